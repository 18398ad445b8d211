/**
 * Stages the gateway for the root filesystem: the bundle, and beside it node_modules/ with the
 * external packages (native addons, run-time files) and what they require, pruned to what runs
 * on the target: no sources, build intermediates, tests, or other platforms' prebuilt binaries.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { CHUNK_DIR, NATIVE_PACKAGES, RUNTIME_FILE_PACKAGES, SEPARATE_LICENCE_PACKAGES } from '../bundle/bundle-options.js';
import { RUNTIME_DIRS } from '../bundle/runtime-files.js';

/** Needed to build or install a package, never to run it. */
const INSTALL_ONLY_PACKAGES: readonly string[] = ['prebuild-install', 'patch-package', 'node-addon-api', 'node-gyp'];

const DROP_DIRS = new Set(['test', 'tests', 'examples', 'example', 'docs', 'patches', '.github', 'obj', 'obj.target', '.deps']);
const DROP_FILE_RE = /(\.(md|markdown|d\.ts|d\.mts|gyp|gypi|map|c|cc|cpp|h|hpp|mk|a|o|yml|yaml)$|^Makefile$|^jest\.config\.js$|^tsconfig.*\.json$)/i;
/** A package's licence and notice files, shipped beside it and collected into the notices file. */
export const LICENCE_FILE_RE = /^(LICEN[CS]E|COPYING|NOTICE)/i;

export interface PackageRef {
  name: string;
  /** Folder of the package, relative to the project root (node_modules/...). */
  dir: string;
  version: string;
  license: string;
}

interface PkgJson {
  name: string;
  version: string;
  license?: string | { type?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  /** npm's platform fields: a package for other CPUs is never staged. */
  cpu?: string[];
}

/** What the staged packages run on, and the native builds for it that the builder had to make. */
export interface StageTarget {
  /** Folder name of this platform's prebuilt binaries (prebuildify): linux-x64, linux-arm64. */
  prebuildDir: string;
  /** npm's name of the CPU: x64, arm64. */
  cpu: string;
  /**
   * Packages with a native addon but no prebuilt binary for this platform, built for it by the
   * image build (native-addons.ts): name to the folder holding its .node files. Needed only when
   * the target is not the builder's own platform, whose addons npm already built.
   */
  addonBuilds?: Readonly<Record<string, string>>;
  /** Platform packages of this target that the builder does not have installed (fetched for it). */
  extraPackages?: readonly PackageRef[];
}

export const HOST_TARGET: StageTarget = { prebuildDir: `linux-${process.arch}`, cpu: process.arch };

export function readPkg(dir: string): PkgJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PkgJson;
}

export function licenseOf(p: PkgJson): string {
  if (typeof p.license === 'string') return p.license;
  return p.license?.type ?? 'UNKNOWN';
}

/** Node's lookup: the package's own node_modules, then each parent's, up to the project root. */
function resolvePackageDir(projectRoot: string, fromDir: string, name: string): string | null {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (relative(projectRoot, dir) === '' || dir === dirname(dir)) return null;
    dir = dirname(dir);
  }
}

/** The external packages and every package they need at run time (dependencies + installed optional ones). */
export function externalClosure(projectRoot: string, roots: readonly string[] = [...NATIVE_PACKAGES, ...RUNTIME_FILE_PACKAGES, ...SEPARATE_LICENCE_PACKAGES], cpu: string = process.arch): PackageRef[] {
  const seen = new Map<string, PackageRef>();
  const visit = (fromDir: string, name: string, required: boolean): void => {
    if (INSTALL_ONLY_PACKAGES.includes(name)) return;
    const dir = resolvePackageDir(projectRoot, fromDir, name);
    if (!dir) {
      if (required) throw new Error(`package ${name} (needed from ${relative(projectRoot, fromDir) || '.'}) is not installed`);
      return; // an optional dependency for another platform
    }
    const rel = relative(projectRoot, dir);
    if (seen.has(rel)) return;
    const pkg = readPkg(dir);
    if (pkg.cpu && !pkg.cpu.includes(cpu)) return; // another CPU's platform package
    seen.set(rel, { name, dir: rel, version: pkg.version, license: licenseOf(pkg) });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dir, dep, true);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dir, dep, false);
  };
  for (const name of roots) visit(projectRoot, name, true);
  return [...seen.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * Whether a file inside a package folder ships; `rel` is relative to the package folder. The
 * builder's own compile (build/Release) ships only when `keepBuild`: not when the package has a
 * prebuilt binary for the target (node-gyp-build would load build/ first), nor for another CPU.
 */
export function keepFile(rel: string, prebuildDir: string, keepBuild = true): boolean {
  const parts = rel.split('/');
  const base = parts[parts.length - 1]!;
  if (parts.length === 1 && LICENCE_FILE_RE.test(base)) return true;
  if (parts.includes('node_modules')) return false; // nested packages are staged on their own
  if (parts.slice(0, -1).some((p) => DROP_DIRS.has(p))) return false;
  if (parts[0] === 'build') return keepBuild && parts[1] === 'Release' && parts.length === 3 && base.endsWith('.node') && !base.startsWith('test_');
  if (base.includes('.musl.')) return false; // the image is glibc
  if (parts[0] === 'prebuilds') return parts[1] === prebuildDir;
  return !DROP_FILE_RE.test(base);
}

function walk(dir: string, base = dir, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, base, out);
    else out.push(relative(base, full));
  }
  return out;
}

export interface StageResult {
  packages: PackageRef[];
  files: number;
}

/** Where a package's native addon for the target comes from. */
type AddonSource = 'prebuilt' | 'builder' | 'target-build' | 'none';

function addonSource(pkgDir: string, name: string, t: StageTarget): AddonSource {
  if (existsSync(join(pkgDir, 'prebuilds', t.prebuildDir))) return 'prebuilt';
  if (!existsSync(join(pkgDir, 'build', 'Release'))) return 'none';
  if (t.addonBuilds?.[name]) return 'target-build';
  if (t.cpu === process.arch) return 'builder';
  throw new Error(`${name} has a native addon built for ${process.arch} and no ${t.prebuildDir} build: build it for the target (native-addons.ts)`);
}

/**
 * Copies the bundle (roost.js and the chunks it imports), the run-time folders beside it (ui/,
 * scenarios/: runtime-files.ts) and the pruned external packages for the target into appDir.
 */
export function stageApp(projectRoot: string, bundleFile: string, appDir: string, target: StageTarget = HOST_TARGET): StageResult {
  rmSync(appDir, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  for (const name of readdirSync(dirname(bundleFile))) {
    if (/^roost(-[A-Z0-9]+)?\.js(\.map)?$/.test(name)) cpSync(join(dirname(bundleFile), name), join(appDir, name));
  }
  const chunks = join(dirname(bundleFile), CHUNK_DIR);
  if (existsSync(chunks)) cpSync(chunks, join(appDir, CHUNK_DIR), { recursive: true });
  for (const name of Object.keys(RUNTIME_DIRS)) {
    const dir = join(dirname(bundleFile), name);
    if (!existsSync(dir)) throw new Error(`${dir} is missing: the bundle opens it at run time (build the bundle with make build)`);
    cpSync(dir, join(appDir, name), { recursive: true });
  }
  const packages = [...externalClosure(projectRoot, undefined, target.cpu), ...(target.extraPackages ?? [])];
  let files = 0;
  for (const p of packages) {
    const src = join(projectRoot, p.dir);
    const addon = addonSource(src, p.name, target);
    // Installed packages keep their place in the tree; fetched ones go to the top level.
    const to = p.dir.startsWith('node_modules/') ? p.dir : join('node_modules', p.name);
    for (const rel of walk(src)) {
      if (!keepFile(rel, target.prebuildDir, addon === 'builder')) continue;
      const dest = join(appDir, to, rel);
      mkdirSync(dirname(dest), { recursive: true });
      cpSync(join(src, rel), dest);
      files++;
    }
    if (addon === 'target-build') {
      const built = target.addonBuilds![p.name]!;
      const dest = join(appDir, to, 'build', 'Release');
      mkdirSync(dest, { recursive: true });
      for (const f of readdirSync(built).filter((n) => n.endsWith('.node') && !n.startsWith('test_'))) {
        cpSync(join(built, f), join(dest, f));
        files++;
      }
    }
  }
  return { packages, files };
}
