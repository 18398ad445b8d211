/**
 * Stages the gateway for the root filesystem: the bundle, and beside it node_modules/ with the
 * external packages (native addons, run-time files) and what they require, pruned to what runs
 * on the target: no sources, build intermediates, tests, or other platforms' prebuilt binaries.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { NATIVE_PACKAGES, RUNTIME_FILE_PACKAGES, SEPARATE_LICENCE_PACKAGES } from '../bundle/bundle-options.js';
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
}

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
export function externalClosure(projectRoot: string, roots: readonly string[] = [...NATIVE_PACKAGES, ...RUNTIME_FILE_PACKAGES, ...SEPARATE_LICENCE_PACKAGES]): PackageRef[] {
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
    seen.set(rel, { name, dir: rel, version: pkg.version, license: licenseOf(pkg) });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dir, dep, true);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dir, dep, false);
  };
  for (const name of roots) visit(projectRoot, name, true);
  return [...seen.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Whether a file inside a package folder ships; `rel` is relative to the package folder. */
export function keepFile(rel: string, prebuildDir: string): boolean {
  const parts = rel.split('/');
  const base = parts[parts.length - 1]!;
  if (parts.length === 1 && LICENCE_FILE_RE.test(base)) return true;
  if (parts.includes('node_modules')) return false; // nested packages are staged on their own
  if (parts.slice(0, -1).some((p) => DROP_DIRS.has(p))) return false;
  if (parts[0] === 'build') return parts[1] === 'Release' && parts.length === 3 && base.endsWith('.node') && !base.startsWith('test_');
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

/**
 * Copies the bundle, the run-time folders beside it (ui/, scenarios/: runtime-files.ts) and the
 * pruned external packages into appDir (bundle at appDir/roost.js).
 */
export function stageApp(projectRoot: string, bundleFile: string, appDir: string, prebuildDir: string): StageResult {
  rmSync(appDir, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  cpSync(bundleFile, join(appDir, 'roost.js'));
  if (existsSync(`${bundleFile}.map`)) cpSync(`${bundleFile}.map`, join(appDir, 'roost.js.map'));
  for (const name of Object.keys(RUNTIME_DIRS)) {
    const dir = join(dirname(bundleFile), name);
    if (!existsSync(dir)) throw new Error(`${dir} is missing: the bundle opens it at run time (build the bundle with make build)`);
    cpSync(dir, join(appDir, name), { recursive: true });
  }
  const packages = externalClosure(projectRoot);
  let files = 0;
  for (const p of packages) {
    const src = join(projectRoot, p.dir);
    for (const rel of walk(src)) {
      if (!keepFile(rel, prebuildDir)) continue;
      const dest = join(appDir, p.dir, rel);
      mkdirSync(dirname(dest), { recursive: true });
      cpSync(join(src, rel), dest);
      files++;
    }
  }
  return { packages, files };
}
