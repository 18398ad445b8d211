/**
 * What makes the image big: the root filesystem's files summed by Debian package (dpkg's file
 * lists), by npm package and Node (our files under /usr/lib/roost), and by kernel module folder.
 * Reads the tree once; a hard-linked file counts once. Printed by the build and kept in
 * build-info.json, so each cut can be measured.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SizeEntry {
  name: string;
  bytes: number;
}

export interface SizeReport {
  totalBytes: number;
  debianPackages: SizeEntry[];
  /** Files no Debian package owns (ours, and what hooks made), by folder. */
  unowned: SizeEntry[];
  /** usr/lib/modules/<version>/kernel/<a>/<b>. */
  kernelModules: SizeEntry[];
}

/** Every regular file under root, path relative to root, hard links counted once. */
function fileSizes(root: string): Map<string, number> {
  const sizes = new Map<string, number>();
  const seen = new Set<string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) {
        const id = `${st.dev}:${st.ino}`;
        if (st.nlink > 1 && seen.has(id)) continue;
        seen.add(id);
        sizes.set(r, st.size);
      }
    }
  };
  walk('');
  return sizes;
}

/** The folder a file not owned by a package is counted under: npm packages and Node one by one. */
export function unownedGroup(rel: string): string {
  const parts = rel.split('/');
  const nm = parts.indexOf('node_modules');
  if (rel.startsWith('usr/lib/roost/') && nm >= 0) {
    const scoped = parts[nm + 1]?.startsWith('@') ? 2 : 1;
    return parts.slice(0, nm + 1 + scoped).join('/');
  }
  if (rel.startsWith('usr/lib/roost/')) return parts.slice(0, 4).join('/');
  return parts.slice(0, Math.min(3, parts.length - 1)).join('/') || rel;
}

export function kernelModuleGroup(rel: string): string | null {
  const m = /^usr\/lib\/modules\/[^/]+\/kernel\/([^/]+(?:\/[^/]+)?)\//.exec(rel);
  return m ? m[1]! : null;
}

function add(map: Map<string, number>, key: string, bytes: number): void {
  map.set(key, (map.get(key) ?? 0) + bytes);
}

const sorted = (m: Map<string, number>, n: number): SizeEntry[] =>
  [...m].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, n);

/** The report of a root tree; `top` entries of each list. */
export function sizeReport(root: string, top = 15): SizeReport {
  const files = fileSizes(root);
  const owned = new Set<string>();
  const byPackage = new Map<string, number>();
  const info = join(root, 'var/lib/dpkg/info');
  for (const name of readdirSync(info).filter((n) => n.endsWith('.list'))) {
    const pkg = name.slice(0, -'.list'.length).replace(/:[a-z0-9]+$/, '');
    for (const line of readFileSync(join(info, name), 'utf8').split('\n')) {
      const rel = line.replace(/^\/+/, '');
      // usrmerge: dpkg lists /lib/... for files that live in /usr/lib/...
      const real = files.has(rel) ? rel : files.has(`usr/${rel}`) ? `usr/${rel}` : null;
      if (real === null || owned.has(real)) continue;
      owned.add(real);
      add(byPackage, pkg, files.get(real)!);
    }
  }
  const unowned = new Map<string, number>();
  const modules = new Map<string, number>();
  let totalBytes = 0;
  for (const [rel, bytes] of files) {
    totalBytes += bytes;
    if (!owned.has(rel)) add(unowned, unownedGroup(rel), bytes);
    const k = kernelModuleGroup(rel);
    if (k) add(modules, k, bytes);
  }
  return { totalBytes, debianPackages: sorted(byPackage, top), unowned: sorted(unowned, top), kernelModules: sorted(modules, top) };
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function formatSizeReport(r: SizeReport): string {
  const list = (title: string, l: SizeEntry[]): string[] => [`${title}:`, ...l.map((e) => `  ${mb(e.bytes).padStart(9)}  ${e.name}`)];
  return [
    `root filesystem ${mb(r.totalBytes)} unpacked; largest contributors:`,
    ...list('Debian packages', r.debianPackages),
    ...list('not from a package', r.unowned),
    ...list('kernel modules', r.kernelModules),
  ].join('\n');
}
