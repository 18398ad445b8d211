/**
 * `make image`: the whole appliance image, as named steps in order. Everything lands in
 * outDir (dist/image by default): roost-<arch>.img (the disk), roost-<arch>-<version>.roostupd
 * (the same release as a signed update file), licences.{json,txt}, build-info.json.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commit as gitCommit, version as pkgVersion } from '../version.js';
import { formatKey, generateKeyPair, readSecretKeyFile, type KeyPair } from '../update/signing.js';
import { packUpdate } from '../update/update-file.js';
import { ARCH_SPECS, defaultBuildOptions, type ImageBuildOptions } from './build-config.js';
import { assembleDisk, buildEsp } from './disk.js';
import { bundledPackages, debianPackages, licencesText, npmLicences, npmNoticesText, type LicenceManifest } from './licences.js';
import { fetchNodeBinary, type NodeBinary } from './node-binary.js';
import { buildRootDir, extractKernel, squashRoot } from './rootfs.js';
import { runTool } from './run-tool.js';
import { formatSizeReport, sizeReport, type SizeReport } from './size-report.js';
import { checkBinfmt, CROSS_TARGETS, crossBuildAddon, fetchPlatformPackages, missingPlatformPackages } from './native-addons.js';
import { externalClosure, licenseOf, readPkg, stageApp, type PackageRef, type StageTarget } from './stage-app.js';
import { NATIVE_PACKAGES } from '../bundle/bundle-options.js';
import { buildBundle } from '../bundle/build-bundle.js';

const projectRoot = resolve(new URL('../../..', import.meta.url).pathname);

interface BuildState {
  o: ImageBuildOptions;
  out: string;
  version: string;
  commit: string;
  release: string;
  key?: KeyPair;
  node?: NodeBinary;
  external?: PackageRef[];
  target?: StageTarget;
  boot?: { kernel: string; initrd: string; kernelVersion: string };
  sizes: Record<string, number>;
  rootfsSizes?: SizeReport;
  timingsMs: Record<string, number>;
}

const p = (s: BuildState, ...parts: string[]): string => join(s.out, ...parts);

/**
 * The bundle, in this build's own folder (<out>/bundle): dist/ is shared with `make build` and
 * other builds, and one of them rebuilding it between this step and the stage step once staged a
 * roost.js whose chunks were another build's.
 */
async function bundle(s: BuildState): Promise<void> {
  await buildBundle({ projectRoot, outDir: p(s, 'bundle'), version: s.version, commit: s.commit });
}

async function nodeBinary(s: BuildState): Promise<void> {
  s.node = await fetchNodeBinary(resolve(s.o.cacheDir), ARCH_SPECS[s.o.arch].nodePackage, s.o.nodeVersion);
}

/**
 * What the staged packages run on. For the builder's own CPU, npm already built everything; for
 * another, the platform packages npm skipped are fetched and addons without a prebuilt binary
 * are cross-compiled (native-addons.ts).
 */
async function nativeAddons(s: BuildState): Promise<void> {
  const spec = ARCH_SPECS[s.o.arch];
  const t: StageTarget = { prebuildDir: spec.prebuildDir, cpu: spec.npmCpu };
  if (spec.npmCpu !== process.arch) {
    const cross = CROSS_TARGETS[spec.npmCpu];
    if (!cross) throw new Error(`no cross toolchain known for ${spec.npmCpu}`);
    checkBinfmt(cross.qemu);
    const closure = externalClosure(projectRoot, undefined, spec.npmCpu);
    const cacheDir = resolve(s.o.cacheDir);
    t.extraPackages = await fetchPlatformPackages(projectRoot, cacheDir, missingPlatformPackages(projectRoot, closure, spec.npmCpu));
    const builds: Record<string, string> = {};
    for (const pkg of closure) {
      const dir = join(projectRoot, pkg.dir);
      if (existsSync(join(dir, 'prebuilds', spec.prebuildDir)) || !existsSync(join(dir, 'build', 'Release'))) continue;
      builds[pkg.name] = await crossBuildAddon({ projectRoot, pkg, target: cross, cacheDir, nodeVersion: s.o.nodeVersion });
    }
    t.addonBuilds = builds;
  }
  s.target = t;
}

/** The signing key: ROOST_UPDATE_KEY, else a development key kept in outDir/keys (never for shipping). */
async function signingKey(s: BuildState): Promise<void> {
  if (s.o.signingKeyFile) {
    s.key = readSecretKeyFile(s.o.signingKeyFile);
    return;
  }
  const file = p(s, 'keys', 'dev-update.key');
  if (!existsSync(file)) {
    mkdirSync(p(s, 'keys'), { recursive: true, mode: 0o700 });
    writeFileSync(file, formatKey(generateKeyPair().secretKey), { mode: 0o600 });
    console.log(`image: made a DEVELOPMENT update signing key ${file}; set ROOST_UPDATE_KEY for a release`);
  }
  chmodSync(file, 0o600);
  s.key = readSecretKeyFile(file);
}

async function stage(s: BuildState): Promise<void> {
  const dir = p(s, 'stage');
  rmSync(dir, { recursive: true, force: true });
  const r = stageApp(projectRoot, p(s, 'bundle', 'roost.js'), join(dir, 'app'), s.target!);
  s.external = r.packages;
  cpSync(s.node!.dir, join(dir, 'node'), { recursive: true });
  mkdirSync(join(dir, 'update-keys'), { recursive: true });
  writeFileSync(join(dir, 'update-keys', `${s.key!.keyId}.pub`), formatKey(s.key!.publicKey));
  cpSync(join(projectRoot, 'image/config/config.yaml'), join(dir, 'config.yaml'));
  mkdirSync(join(dir, 'doc'), { recursive: true });
  if (existsSync(join(projectRoot, 'docs/image.md'))) cpSync(join(projectRoot, 'docs/image.md'), join(dir, 'doc/image.md'));
}

/**
 * The installed gateway runs in its root, with its own node_modules only: `roost --version`, every
 * native addon loads, SQLite answers. Through chroot, so an arm64 root is checked under qemu-user.
 */
async function check(s: BuildState): Promise<void> {
  const app = '/usr/lib/roost/app/roost.js';
  const node = '/usr/lib/roost/node/bin/node';
  const v = await runTool('chroot', [p(s, 'rootfs'), node, app, '--version'], { capture: true, cwd: '/' });
  if (!v.includes(s.commit)) throw new Error(`roost --version in the root printed ${v.trim()}, expected commit ${s.commit}`);
  const script = `const r = require('node:module').createRequire(${JSON.stringify(app)});
    for (const p of ${JSON.stringify(NATIVE_PACKAGES)}) r(p);
    const D = r('better-sqlite3'); console.log(process.arch, new D(':memory:').prepare('select 41 + 1 as x').get().x);`;
  const out = (await runTool('chroot', [p(s, 'rootfs'), node, '-e', script], { capture: true, cwd: '/' })).trim();
  if (out !== `${ARCH_SPECS[s.o.arch].npmCpu} 42`) throw new Error(`native addons in the root: expected '${ARCH_SPECS[s.o.arch].npmCpu} 42', got '${out}'`);
  console.log(`image: ${v.trim()} runs in the root; native addons load (${out})`);
}

async function rootfs(s: BuildState): Promise<void> {
  await buildRootDir(s.o, p(s, 'rootfs'), join(projectRoot, 'image/rootfs/hooks'), join(projectRoot, 'image/rootfs/overlay'), p(s, 'stage'));
}

async function licences(s: BuildState): Promise<void> {
  const meta = JSON.parse(readFileSync(p(s, 'bundle', 'meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
  const own = readPkg(projectRoot);
  const bundled: PackageRef[] = [{ name: own.name, dir: '.', version: own.version, license: licenseOf(own) }, ...bundledPackages(projectRoot, Object.keys(meta.inputs))];
  const m: LicenceManifest = {
    generatedAt: new Date().toISOString(),
    npm: npmLicences(bundled.map((b) => ({ name: b.name, version: b.version, license: b.license, via: 'bundle' as const })), s.external!, s.node!),
    debian: await debianPackages(p(s, 'rootfs')),
  };
  const notices = npmNoticesText(projectRoot, [...bundled, ...s.external!]);
  for (const dir of [s.out, p(s, 'rootfs/usr/share/roost')]) {
    writeFileSync(join(dir, 'licences.json'), `${JSON.stringify(m, null, 2)}\n`);
    writeFileSync(join(dir, 'licences.txt'), licencesText(m));
    writeFileSync(join(dir, 'licences-npm.txt'), notices);
  }
  s.sizes['npmPackages'] = m.npm.length;
  s.sizes['debianPackages'] = m.debian.length;
}

async function kernel(s: BuildState): Promise<void> {
  s.boot = extractKernel(p(s, 'rootfs'), p(s, 'boot'));
  s.sizes['kernelBytes'] = statSync(s.boot.kernel).size;
  s.sizes['initrdBytes'] = statSync(s.boot.initrd).size;
}

async function sizes(s: BuildState): Promise<void> {
  s.rootfsSizes = sizeReport(p(s, 'rootfs'));
  s.sizes['rootfsUnpackedBytes'] = s.rootfsSizes.totalBytes;
  console.log(formatSizeReport(s.rootfsSizes));
}

/** What a vendor downloads: the disk image, zstd-compressed (its empty space costs nothing). */
async function compress(s: BuildState): Promise<void> {
  const img = p(s, `roost-${s.o.arch}.img`);
  await runTool('zstd', ['-q', '-f', '-T0', '-10', img, '-o', `${img}.zst`]);
  s.sizes['compressedImageBytes'] = statSync(`${img}.zst`).size;
  const mb = (k: string): string => `${((s.sizes[k] ?? 0) / 1e6).toFixed(1)} MB`;
  console.log(`image: ${img}.zst ${mb('compressedImageBytes')} (root squashfs ${mb('rootSquashfsBytes')}, kernel ${mb('kernelBytes')}, initrd ${mb('initrdBytes')})`);
}

async function squash(s: BuildState): Promise<void> {
  s.sizes['rootSquashfsBytes'] = await squashRoot(p(s, 'rootfs'), p(s, 'root.squashfs'));
}

async function esp(s: BuildState): Promise<void> {
  await buildEsp(s.o, p(s, 'esp.img'), { rootDir: p(s, 'rootfs'), kernel: s.boot!.kernel, initrd: s.boot!.initrd, release: s.release, cmdline: s.o.extraCmdline });
}

async function disk(s: BuildState): Promise<void> {
  const layout = await assembleDisk(s.o, p(s, `roost-${s.o.arch}.img`), p(s, 'esp.img'), p(s, 'root.squashfs'));
  s.sizes['diskMiB'] = layout.totalMiB;
}

async function update(s: BuildState): Promise<void> {
  packUpdate(p(s, `roost-${s.o.arch}-${s.version}.roostupd`), {
    manifest: { product: 'roost', arch: s.o.arch, version: s.version, commit: s.commit, createdAt: new Date().toISOString(), cmdline: s.o.extraCmdline },
    files: [{ name: 'kernel', path: s.boot!.kernel }, { name: 'initrd', path: s.boot!.initrd }, { name: 'rootfs', path: p(s, 'root.squashfs') }],
    key: s.key!,
  });
}

const BUILD_STEPS: ReadonlyArray<[string, (s: BuildState) => Promise<void>]> = [
  ['bundle', bundle], ['node', nodeBinary], ['native', nativeAddons], ['key', signingKey], ['stage', stage], ['rootfs', rootfs], ['check', check],
  ['licences', licences], ['kernel', kernel], ['sizes', sizes], ['squashfs', squash], ['esp', esp], ['disk', disk], ['compress', compress], ['update', update],
];

async function buildImage(o: ImageBuildOptions = defaultBuildOptions()): Promise<BuildState> {
  const version = pkgVersion();
  const commit = process.env['ROOST_COMMIT'] ?? gitCommit();
  const s: BuildState = { o, out: resolve(projectRoot, o.outDir), version, commit, release: `${version} (${commit})`, sizes: {}, timingsMs: {} };
  mkdirSync(s.out, { recursive: true });
  for (const [name, step] of BUILD_STEPS) {
    const t0 = Date.now();
    console.log(`image: ${name} ...`);
    await step(s);
    s.timingsMs[name] = Date.now() - t0;
    console.log(`image: ${name} done in ${(s.timingsMs[name] / 1000).toFixed(1)} s`);
  }
  writeFileSync(p(s, 'build-info.json'), `${JSON.stringify({ arch: o.arch, release: s.release, keyId: s.key?.keyId, sizes: s.sizes, rootfsSizes: s.rootfsSizes, timingsMs: s.timingsMs }, null, 2)}\n`);
  return s;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  await buildImage();
  console.log(`image: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
