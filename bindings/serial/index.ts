/** The serial binding module: options schema and factory (gateway/binding-registry.ts loads it). */
import type { BindingModule } from '../../gateway/binding.js';
import { SerialBinding } from './serial-binding.js';
import { optionsSchema, serialOptions, type SerialOptions } from './serial-options.js';

export { optionsSchema };

export function create(options: Partial<SerialOptions>): SerialBinding {
  return new SerialBinding(serialOptions(options));
}

export default { optionsSchema, create } satisfies BindingModule<Partial<SerialOptions>>;
