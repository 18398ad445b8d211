/**
 * A gateway with the BLE binding over firmware-sim's simulated central on a virtual clock.
 * The binding and the hub both read the virtual clock; the binding's timers run on it.
 */
import type { BusMessage } from '../../../gateway/hub/types.js';
import { BleBinding } from '../../../bindings/ble/ble-binding.js';
import { withDefaults, type BleOptions } from '../../../bindings/ble/ble-options.js';
import type { BleCentral } from '../../../bindings/ble/central.js';
import { SimCentral, type SimCentralOptions } from '../../../firmware-sim/ble/sim-central.js';
import { VirtualClock } from '../../../firmware-sim/ble/virtual-clock.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

export interface BleRig {
  gw: TestGateway;
  clock: VirtualClock;
  sim: SimCentral;
  binding: BleBinding;
  events: Array<Extract<BusMessage, { type: 'event' }>>;
  logs: Array<Record<string, unknown>>;
  thingId(mac: string): string;
  stop(): Promise<void>;
}

export async function startBleRig(
  options: Parameters<typeof withDefaults>[0] = {},
  simOptions: Omit<SimCentralOptions, 'clock'> = {},
  opts: { collectLogs?: boolean; config?: Record<string, unknown> } = {},
): Promise<BleRig> {
  const clock = new VirtualClock();
  const sim = new SimCentral({ clock, ...simOptions });
  const bleOptions: BleOptions = withDefaults(options);
  // The simulated central has the central's shape; the binding cannot tell them apart.
  const central: BleCentral = sim;
  const binding = new BleBinding(bleOptions, { centralFactory: async () => central, timers: clock });
  const logs: Array<Record<string, unknown>> = [];
  const gw = await startTestGateway(opts.config ?? {}, { extraBindings: [binding], now: clock.now, ...(opts.collectLogs ? { logs } : {}) });
  const events: BleRig['events'] = [];
  gw.hub.subscribe((m) => {
    if (m.type === 'event') events.push(m);
  }, { types: ['event'], maxBuffer: 100000 });
  return {
    gw, clock, sim, binding, events, logs,
    thingId: (mac) => `urn:roost:ble:${mac.replace(/:/g, '').toLowerCase()}`,
    async stop() {
      await gw.stop();
    },
  };
}
