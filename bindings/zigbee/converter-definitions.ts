/**
 * ModelDefinitions wired to the installed zigbee-herdsman-converters: its findByDevice and
 * findDefinition (with a definition generated for unknown models), its vendor files' directory,
 * its models index and Node's CommonJS module cache, in which the converters load their vendor
 * files, and the vendor files compiled in part (vendor-slices.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as zhc from 'zigbee-herdsman-converters';
import { ModelDefinitions, type CachedModule, type DefinitionLike, type ModelsIndex } from './model-definitions.js';
import { VendorSlices } from './vendor-slices.js';

/** Vendor files stay loaded this long after the last lookup (ModelDefinitionsOptions.releaseDelayMs). */
export const RELEASE_DELAY_MS = 5000;

/** `sliced: false` lets the library load every vendor file a lookup needs whole (the tests' reference answer). */
export function converterDefinitions<D extends DefinitionLike>(releaseDelayMs = RELEASE_DELAY_MS, sliced = true): ModelDefinitions<D> {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('zigbee-herdsman-converters'));
  const devicesDir = join(dist, 'devices');
  const moduleCache = require.cache as Record<string, CachedModule | undefined>;
  return new ModelDefinitions<D>({
    findByDevice: async (d) => (await zhc.findByDevice(d as never, true)) as unknown as D | undefined,
    findDefinition: async (d) => (await zhc.findDefinition(d as never, true)) as unknown as object | undefined,
    devicesDir,
    // The very object the converters loaded (same file, same module cache): no second copy.
    index: require(join(dist, 'models-index.json')) as ModelsIndex,
    moduleCache,
    releaseDelayMs,
    slices: sliced ? new VendorSlices({ devicesDir, moduleCache, read: (path) => readFileSync(path, 'utf8') }) : undefined,
  });
}
