/**
 * The OMA registry files used as test data: `../shared/lwm2m-registry` next to the repository
 * (CI lays shared/ beside the clone), resolved from the repository root.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const REGISTRY_DIR = join(repoRoot, '../shared/lwm2m-registry');

/** Every registry file as [name, text], sorted by name. */
export function registryFiles(): [string, string][] {
  return readdirSync(REGISTRY_DIR)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => [f, readFileSync(join(REGISTRY_DIR, f), 'utf8')]);
}
