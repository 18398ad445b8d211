/**
 * Licence check of what the appliance ships: every production dependency in package-lock.json
 * (dev-only packages are not shipped) must carry a licence on the allowed list, or be a named
 * exception. Run `node --import tsx scripts/licences.ts` (exit 1 on an unlisted licence) or
 * with `--markdown` for the inventory table of docs/licences.md.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Permissive licences (SPDX ids) accepted for any production dependency. */
export const ALLOWED_LICENCES: readonly string[] = [
  'MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'Apache-2.0', 'BlueOak-1.0.0', 'W3C-20150513', 'Public Domain',
];

/**
 * Copyleft packages accepted by name only, each with the reason. A new package under one of
 * these licences still fails the check until it is listed here and in docs/licences.md.
 */
export const LICENCE_EXCEPTIONS: Readonly<Record<string, { licence: string; reason: string }>> = {
  'zigbee-on-host': {
    licence: 'GPL-3.0-or-later',
    reason: 'dependency of zigbee-herdsman (its "zoh" adapter); shipped unmodified as its own npm package, source offered with the image',
  },
};

export interface ShippedPackage {
  name: string;
  version: string;
  licence: string;
}

interface LockFile {
  packages?: Record<string, { version?: string; license?: string; dev?: boolean; name?: string }>;
}

/** Production packages of an npm v7+ lockfile (entries not marked dev). */
export function productionPackages(lock: LockFile): ShippedPackage[] {
  const out: ShippedPackage[] = [];
  for (const [path, p] of Object.entries(lock.packages ?? {})) {
    if (path === '' || p.dev || !path.includes('node_modules/')) continue;
    const name = p.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.push({ name, version: p.version ?? '?', licence: p.license ?? 'UNKNOWN' });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** An SPDX expression passes when it is allowed, or an OR of which one branch is allowed. */
export function licenceAllowed(pkg: ShippedPackage): boolean {
  const exception = LICENCE_EXCEPTIONS[pkg.name];
  if (exception && exception.licence === pkg.licence) return true;
  const expr = pkg.licence.replace(/^\((.*)\)$/, '$1');
  if (ALLOWED_LICENCES.includes(expr)) return true;
  if (/ AND /.test(expr)) return expr.split(' AND ').every((l) => ALLOWED_LICENCES.includes(l.trim()));
  return expr.split(' OR ').some((l) => ALLOWED_LICENCES.includes(l.trim()));
}

export function unlisted(pkgs: readonly ShippedPackage[]): ShippedPackage[] {
  return pkgs.filter((p) => !licenceAllowed(p));
}

export function markdownInventory(pkgs: readonly ShippedPackage[]): string {
  const byLicence = new Map<string, string[]>();
  for (const p of pkgs) byLicence.set(p.licence, [...(byLicence.get(p.licence) ?? []), p.name]);
  const rows = [...byLicence.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  return ['| licence | packages | count |', '| --- | --- | --- |', ...rows.map(([l, names]) => `| ${l} | ${names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ')} | ${names.length} |`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const lockPath = argv.find((a) => !a.startsWith('--')) ?? 'package-lock.json';
  const pkgs = productionPackages(JSON.parse(readFileSync(lockPath, 'utf8')) as LockFile);
  if (argv.includes('--markdown')) {
    console.log(markdownInventory(pkgs));
    return 0;
  }
  const bad = unlisted(pkgs);
  for (const p of bad) console.error(`licences: ${p.name}@${p.version} is under ${p.licence}, which is not on the list (scripts/licences.ts, docs/licences.md)`);
  console.log(`licences: ${pkgs.length} production packages, ${bad.length} with an unlisted licence`);
  return bad.length === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
