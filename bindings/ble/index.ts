/** The BLE binding module: options schema and factory (gateway/binding-registry.ts loads it lazily). */
import type { BindingModule } from '../../gateway/binding.js';
import { BleBinding } from './ble-binding.js';
import { optionsSchema, type BleOptions } from './ble-options.js';

export { optionsSchema };

export function create(options: BleOptions): BleBinding {
  return new BleBinding(options);
}

export default { optionsSchema, create } satisfies BindingModule<BleOptions>;
