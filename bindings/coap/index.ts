/** The CoAP binding module: options schema and factory (gateway/binding-registry.ts loads it). */
import type { BindingModule } from '../../gateway/binding.js';
import { CoapBinding } from './coap-binding.js';
import { coapOptions, optionsSchema, type CoapOptions } from './coap-options.js';

export { optionsSchema };

export function create(options: Partial<CoapOptions>): CoapBinding {
  return new CoapBinding(coapOptions(options));
}

export default { optionsSchema, create } satisfies BindingModule<Partial<CoapOptions>>;
