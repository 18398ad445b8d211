/** The ingest binding module: options schema and factory (gateway/binding-registry.ts loads it). */
import type { BindingModule } from '../binding.js';
import { IngestBinding, optionsSchema, type IngestOptions } from './ingest-binding.js';

export { optionsSchema };

export function create(options: Partial<IngestOptions>): IngestBinding {
  return new IngestBinding(options);
}

export default { optionsSchema, create } satisfies BindingModule<Partial<IngestOptions>>;
