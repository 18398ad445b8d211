/**
 * Native addons for an image whose CPU is not the builder's (arm64 built on amd64). A package
 * that ships a prebuilt binary for the target needs nothing here (stage-app.ts picks it). Two
 * other kinds do:
 * - a platform package the builder never installed (npm installs only its own CPU's optional
 *   dependency, e.g. @cbor-extract/cbor-extract-linux-arm64): fetched with `npm pack` from the
 *   registry npm is configured with, into the build cache;
 * - an addon with no prebuilt binary (better-sqlite3): compiled for the target with node-gyp and
 *   Debian's cross compiler (gcc-aarch64-linux-gnu), against the headers of the builder's Node,
 *   which is the Node version the image ships. Much faster than a compile under qemu-user.
 */
import { cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runTool } from './run-tool.js';
import { readPkg, type PackageRef, licenseOf } from './stage-app.js';

export interface CrossTarget {
  /** npm's CPU name. */
  cpu: string;
  /** qemu-user's name of the CPU (binfmt entry qemu-<name>). */
  qemu: string;
  /** GNU triplet prefix of Debian's cross toolchain. */
  toolPrefix: string;
  /** ELF e_machine of the target's binaries. */
  elfMachine: number;
}

export const CROSS_TARGETS: Readonly<Record<string, CrossTarget>> = {
  arm64: { cpu: 'arm64', qemu: 'aarch64', toolPrefix: 'aarch64-linux-gnu-', elfMachine: 183 },
  x64: { cpu: 'x64', qemu: 'x86_64', toolPrefix: 'x86_64-linux-gnu-', elfMachine: 62 },
};

export class NativeAddonError extends Error {
  override readonly name = 'NativeAddonError';
}

/**
 * The builder runs the target's binaries (mmdebstrap's maintainer scripts, the root's check) through
 * qemu-user, registered with binfmt_misc as `qemu-<name>`: a clear error when it is not.
 */
export function checkBinfmt(qemuName: string, binfmtDir = '/proc/sys/fs/binfmt_misc'): void {
  const entry = join(binfmtDir, `qemu-${qemuName}`);
  const state = existsSync(entry) ? readFileSync(entry, 'utf8').split('\n')[0] : null;
  if (state !== 'enabled') {
    throw new NativeAddonError(`${entry} is ${state ?? 'missing'}: this machine cannot run ${qemuName} binaries. Install qemu-user-static and binfmt-support (make image-setup), then: mount -t binfmt_misc binfmt_misc ${binfmtDir}; update-binfmts --enable qemu-${qemuName}`);
  }
}

/** ELF machine of a shared object (EM_AARCH64 183, EM_X86_64 62), or null if it is not ELF. */
export function elfMachine(file: string): number | null {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(20);
    if (readSync(fd, b, 0, 20, 0) < 20 || b.readUInt32BE(0) !== 0x7f454c46) return null;
    return b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

/**
 * Optional dependencies of the staged packages that are this target's platform packages
 * (`<name>-linux-<cpu>`) and not installed here: name and the exact version the parent asks for.
 */
export function missingPlatformPackages(projectRoot: string, packages: readonly PackageRef[], cpu: string): Array<{ name: string; version: string }> {
  const out: Array<{ name: string; version: string }> = [];
  for (const p of packages) {
    const opt = readPkg(join(projectRoot, p.dir)).optionalDependencies ?? {};
    for (const [name, version] of Object.entries(opt)) {
      if (!name.endsWith(`-linux-${cpu}`)) continue;
      if (existsSync(join(projectRoot, 'node_modules', name, 'package.json'))) continue;
      if (!/^\d+\.\d+\.\d+$/.test(version)) throw new NativeAddonError(`${p.name} asks for ${name}@${version}: only an exact version is fetched`);
      if (!out.some((o) => o.name === name)) out.push({ name, version });
    }
  }
  return out;
}

/** Fetches platform packages with `npm pack` into cacheDir/npm/<name> (once); their refs, dirs relative to projectRoot. */
export async function fetchPlatformPackages(projectRoot: string, cacheDir: string, wanted: ReadonlyArray<{ name: string; version: string }>): Promise<PackageRef[]> {
  const refs: PackageRef[] = [];
  for (const w of wanted) {
    const dir = join(cacheDir, 'npm', `${w.name}@${w.version}`);
    if (!existsSync(join(dir, 'package.json'))) {
      const tmp = `${dir}.fetch`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      const tgz = (await runTool('npm', ['pack', '--silent', `${w.name}@${w.version}`, '--pack-destination', tmp], { capture: true })).trim().split('\n').pop()!;
      await runTool('tar', ['-xzf', join(tmp, tgz), '-C', tmp]);
      rmSync(dir, { recursive: true, force: true });
      cpSync(join(tmp, 'package'), dir, { recursive: true });
      rmSync(tmp, { recursive: true, force: true });
    }
    const pkg = readPkg(dir);
    refs.push({ name: w.name, dir: relative(projectRoot, dir), version: pkg.version, license: licenseOf(pkg) });
  }
  return refs;
}

/** Major version from a Node headers folder (include/node/node_version.h). */
function headersMajor(nodedir: string): number | null {
  const h = join(nodedir, 'include/node/node_version.h');
  if (!existsSync(h)) return null;
  const m = /#define NODE_MAJOR_VERSION (\d+)/.exec(readFileSync(h, 'utf8'));
  return m ? Number(m[1]) : null;
}

export interface AddonBuild {
  projectRoot: string;
  /** The package as installed here (its sources: binding.gyp, src/, deps/). */
  pkg: PackageRef;
  target: CrossTarget;
  cacheDir: string;
  /** Node version the image ships: its major must be the builder's (same addon ABI). */
  nodeVersion: string;
}

/** Compiles one addon for the target with node-gyp and the cross toolchain (cached); the folder with its .node files. */
export async function crossBuildAddon(b: AddonBuild): Promise<string> {
  const hostMajor = Number(process.versions.node.split('.')[0]);
  if (Number(b.nodeVersion.split('.')[0]) !== hostMajor) {
    throw new NativeAddonError(`${b.pkg.name} is built against this Node (${process.versions.node}); the image ships Node ${b.nodeVersion}, another ABI`);
  }
  const work = join(b.cacheDir, 'addons', `${b.pkg.name.replace('/', '+')}@${b.pkg.version}-node${hostMajor}-${b.target.cpu}`);
  const release = join(work, 'build', 'Release');
  const built = (): string[] => (existsSync(release) ? readdirSync(release).filter((n) => n.endsWith('.node') && !n.startsWith('test_')) : []);
  if (built().length === 0) {
    rmSync(work, { recursive: true, force: true });
    const src = join(b.projectRoot, b.pkg.dir);
    cpSync(src, work, { recursive: true, filter: (f) => !/\/(build|node_modules)$/.test(f.slice(src.length)) });
    const npmRoot = (await runTool('npm', ['root', '-g'], { capture: true })).trim();
    const gyp = join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js');
    if (!existsSync(gyp)) throw new NativeAddonError(`node-gyp not found with npm (${gyp})`);
    const nodedir = (await runTool('npm', ['config', 'get', 'nodedir'], { capture: true })).trim();
    const args = [gyp, 'rebuild', `--arch=${b.target.cpu}`, '--jobs=2'];
    if (nodedir && nodedir !== 'undefined' && headersMajor(nodedir) === hostMajor) args.push(`--nodedir=${nodedir}`);
    const t = b.target.toolPrefix;
    const env = { ...process.env, CC: `${t}gcc`, CXX: `${t}g++`, LINK: `${t}g++`, AR: `${t}ar`, npm_config_arch: b.target.cpu };
    console.log(`image: compiling ${b.pkg.name} ${b.pkg.version} for linux-${b.target.cpu} with ${t}g++`);
    await runTool(process.execPath, args, { cwd: work, env, capture: true });
  }
  const files = built();
  if (files.length === 0) throw new NativeAddonError(`${b.pkg.name}: node-gyp built no .node file in ${release}`);
  for (const f of files) {
    const m = elfMachine(join(release, f));
    if (m !== b.target.elfMachine) throw new NativeAddonError(`${b.pkg.name}: ${f} is ELF machine ${m}, not ${b.target.elfMachine} (${b.target.cpu})`);
  }
  return release;
}
