/**
 * ModelDefinitions wired to the installed zigbee-herdsman-converters: its findByDevice (with a
 * definition generated for unknown models), its vendor files' directory, its models index and
 * Node's CommonJS module cache, in which the converters load their vendor files.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as zhc from 'zigbee-herdsman-converters';
import { ModelDefinitions, type CachedModule, type DefinitionLike, type ModelsIndex } from './model-definitions.js';

/** Vendor files stay loaded this long after the last lookup (ModelDefinitionsOptions.releaseDelayMs). */
export const RELEASE_DELAY_MS = 5000;

export function converterDefinitions<D extends DefinitionLike>(releaseDelayMs = RELEASE_DELAY_MS): ModelDefinitions<D> {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('zigbee-herdsman-converters'));
  return new ModelDefinitions<D>({
    findByDevice: async (d) => (await zhc.findByDevice(d as never, true)) as unknown as D | undefined,
    devicesDir: join(dist, 'devices'),
    // The very object the converters loaded (same file, same module cache): no second copy.
    index: require(join(dist, 'models-index.json')) as ModelsIndex,
    moduleCache: require.cache as Record<string, CachedModule | undefined>,
    releaseDelayMs,
  });
}
