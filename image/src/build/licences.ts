/**
 * The licence manifest: every npm package in the image (Roost itself, bundled, shipped beside the
 * bundle, and Node.js) and every Debian package in the root, with version and licence. Written
 * into the root (/usr/share/roost/licences.json) and next to the image. The bundle keeps no
 * licence comments, so the npm packages' own licence and notice texts are collected into one
 * notices file (licences-npm.txt); Debian's stay in /usr/share/doc/<package>/copyright.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { runTool } from './run-tool.js';
import { LICENCE_FILE_RE, licenseOf, readPkg, type PackageRef } from './stage-app.js';

export interface LicenceEntry {
  name: string;
  version: string;
  license: string;
  /** How it ships: bundled into roost.js, beside it in node_modules, or a Debian package. */
  via: 'bundle' | 'node_modules' | 'node' | 'debian';
}

export interface LicenceManifest {
  generatedAt: string;
  npm: LicenceEntry[];
  debian: LicenceEntry[];
}

/** Folder of the package a bundled file came from (`node_modules/@a/b/lib/x.js` -> `node_modules/@a/b`). */
export function packageDirOfPath(path: string): string | null {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return null;
  const parts = path.slice(at + 'node_modules/'.length).split('/');
  const n = parts[0]?.startsWith('@') ? 2 : 1;
  if (parts.length <= n) return null;
  return path.slice(0, at) + 'node_modules/' + parts.slice(0, n).join('/');
}

/** The npm packages esbuild took files from (the metafile's inputs). */
export function bundledPackages(projectRoot: string, metafileInputs: readonly string[]): PackageRef[] {
  const dirs = new Set<string>();
  for (const p of metafileInputs) {
    const d = packageDirOfPath(p);
    if (d) dirs.add(d);
  }
  return [...dirs].sort().map((dir) => {
    const pkg = readPkg(join(projectRoot, dir));
    return { name: pkg.name, dir, version: pkg.version, license: licenseOf(pkg) };
  });
}

export function bundledLicences(projectRoot: string, metafileInputs: readonly string[]): LicenceEntry[] {
  return bundledPackages(projectRoot, metafileInputs).map((p) => ({ name: p.name, version: p.version, license: p.license, via: 'bundle' as const }));
}

/**
 * The notices file: each package's own licence and notice files, verbatim (MIT, BSD and Apache
 * want their copyright lines carried with every copy), one section per package and version.
 */
export function npmNoticesText(projectRoot: string, packages: readonly PackageRef[]): string {
  const seen = new Set<string>();
  const sections: string[] = ['Licence and notice texts of the npm packages in this image (see licences.txt for the list).', ''];
  for (const p of [...packages].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))) {
    const key = `${p.name}@${p.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const dir = join(projectRoot, p.dir);
    const files = readdirSync(dir).filter((f) => LICENCE_FILE_RE.test(f)).sort();
    sections.push(`==== ${key} (${p.license}) ====`);
    if (files.length === 0) sections.push(`The package ships no licence file; its package.json names the licence ${p.license}.`, '');
    for (const f of files) sections.push(`---- ${f}`, readFileSync(join(dir, f), 'utf8').trimEnd(), '');
  }
  return `${sections.join('\n')}\n`;
}

/** Licences named by a Debian copyright file: the DEP-5 `License:` short names, or a pointer to the file. */
export function debianLicences(copyright: string): string {
  const names = new Set<string>();
  for (const line of copyright.split('\n')) {
    const m = /^License:\s*(\S.*)$/.exec(line);
    if (m) names.add(m[1]!.trim());
  }
  return names.size > 0 ? [...names].join('; ') : 'see /usr/share/doc/<package>/copyright';
}

/** Reads a file inside rootDir, following symlinks as the image would (absolute targets stay inside the root). */
function readInRoot(rootDir: string, path: string, depth = 0): string | null {
  const full = join(rootDir, path);
  if (!existsSync(full) && !lstatSync(full, { throwIfNoEntry: false })) return null;
  const st = lstatSync(full);
  if (st.isSymbolicLink() && depth < 8) {
    const target = readlinkSync(full);
    return readInRoot(rootDir, isAbsolute(target) ? target : join(dirname(path), target), depth + 1);
  }
  return st.isFile() ? readFileSync(full, 'utf8') : null;
}

export async function debianPackages(rootDir: string): Promise<LicenceEntry[]> {
  const out = await runTool('dpkg-query', [`--admindir=${join(rootDir, 'var/lib/dpkg')}`, '-W', '-f', '${Package}\t${Version}\n'], { capture: true });
  return out.trim().split('\n').map((line) => {
    const [name = '', version = ''] = line.split('\t');
    const copyright = readInRoot(rootDir, `/usr/share/doc/${name}/copyright`);
    return { name, version, license: copyright === null ? 'copyright file missing' : debianLicences(copyright).replace('<package>', name), via: 'debian' as const };
  });
}

export function npmLicences(bundled: LicenceEntry[], external: PackageRef[], node: { packageName: string; version: string }): LicenceEntry[] {
  const all = [
    ...bundled,
    ...external.map((p) => ({ name: p.name, version: p.version, license: p.license, via: 'node_modules' as const })),
    { name: node.packageName, version: node.version, license: 'MIT (Node.js; bundled third-party licences in /usr/lib/roost/node/LICENSE)', via: 'node' as const },
  ];
  const seen = new Set<string>();
  return all.filter((e) => {
    const k = `${e.name}@${e.version}:${e.via}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

export function licencesText(m: LicenceManifest): string {
  const rows = (es: LicenceEntry[]): string[] => es.map((e) => `${e.name}\t${e.version}\t${e.via}\t${e.license}`);
  return [`# Roost image licence manifest, ${m.generatedAt}`, '# name\tversion\tshipped as\tlicence', ...rows(m.npm), ...rows(m.debian), ''].join('\n');
}
