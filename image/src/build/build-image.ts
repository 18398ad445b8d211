/**
 * `make image`: the whole appliance image, as named steps in order. Everything lands in
 * outDir (dist/image by default): roost-<arch>.img (the disk), roost-<arch>-<version>.roostupd
 * (the same release as a signed update file), licences.{json,txt}, build-info.json.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { licenseOf, readPkg, stageApp, type PackageRef } from './stage-app.js';

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
  boot?: { kernel: string; initrd: string; kernelVersion: string };
  sizes: Record<string, number>;
  timingsMs: Record<string, number>;
}

const p = (s: BuildState, ...parts: string[]): string => join(s.out, ...parts);

async function bundle(_s: BuildState): Promise<void> {
  await runTool(process.execPath, ['--import', 'tsx', 'image/bundle.ts'], { cwd: projectRoot });
}

async function nodeBinary(s: BuildState): Promise<void> {
  s.node = await fetchNodeBinary(resolve(s.o.cacheDir), ARCH_SPECS[s.o.arch].nodePackage, s.o.nodeVersion);
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
  const r = stageApp(projectRoot, join(projectRoot, 'dist/roost.js'), join(dir, 'app'), ARCH_SPECS[s.o.arch].prebuildDir);
  s.external = r.packages;
  cpSync(s.node!.dir, join(dir, 'node'), { recursive: true });
  mkdirSync(join(dir, 'update-keys'), { recursive: true });
  writeFileSync(join(dir, 'update-keys', `${s.key!.keyId}.pub`), formatKey(s.key!.publicKey));
  cpSync(join(projectRoot, 'image/config/config.yaml'), join(dir, 'config.yaml'));
  mkdirSync(join(dir, 'doc'), { recursive: true });
  if (existsSync(join(projectRoot, 'docs/image.md'))) cpSync(join(projectRoot, 'docs/image.md'), join(dir, 'doc/image.md'));
  // The staged bundle must run from its own folder, with its own node_modules only.
  const v = await runTool(join(dir, 'node/bin/node'), [join(dir, 'app/roost.js'), '--version'], { capture: true, cwd: '/' });
  if (!v.includes(s.commit)) throw new Error(`staged roost --version printed ${v.trim()}, expected commit ${s.commit}`);
}

async function rootfs(s: BuildState): Promise<void> {
  await buildRootDir(s.o, p(s, 'rootfs'), join(projectRoot, 'image/rootfs/hooks'), join(projectRoot, 'image/rootfs/overlay'), p(s, 'stage'));
}

async function licences(s: BuildState): Promise<void> {
  const meta = JSON.parse(readFileSync(join(projectRoot, 'dist/meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
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
}

async function squash(s: BuildState): Promise<void> {
  s.sizes['rootSquashfsBytes'] = await squashRoot(p(s, 'rootfs'), p(s, 'root.squashfs'));
}

async function esp(s: BuildState): Promise<void> {
  await buildEsp(s.o, p(s, 'esp.img'), { kernel: s.boot!.kernel, initrd: s.boot!.initrd, release: s.release, cmdline: s.o.extraCmdline });
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
  ['bundle', bundle], ['node', nodeBinary], ['key', signingKey], ['stage', stage], ['rootfs', rootfs],
  ['licences', licences], ['kernel', kernel], ['squashfs', squash], ['esp', esp], ['disk', disk], ['update', update],
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
  writeFileSync(p(s, 'build-info.json'), `${JSON.stringify({ arch: o.arch, release: s.release, keyId: s.key?.keyId, sizes: s.sizes, timingsMs: s.timingsMs }, null, 2)}\n`);
  return s;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  await buildImage();
  console.log(`image: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
