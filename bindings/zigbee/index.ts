/**
 * The Zigbee binding module: options schema and factory. The gateway imports this module only
 * when `bindings.zigbee.enabled` is set; herdsman itself loads only when the binding starts.
 */
import type { BindingModule } from '../../gateway/binding.js';
import { ZigbeeBinding } from './zigbee-binding.js';
import { optionsSchema, type ZigbeeOptions } from './zigbee-options.js';

export { optionsSchema };

export function create(options: ZigbeeOptions): ZigbeeBinding {
  return new ZigbeeBinding(options);
}

export default { optionsSchema, create } satisfies BindingModule<ZigbeeOptions>;
