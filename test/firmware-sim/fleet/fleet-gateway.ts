/**
 * A gateway in this process for fleet tests, configured from what the fleet's devices need:
 * the CoAP binding, the BLE binding over the fleet's simulated central, the Zigbee binding on
 * the fleet's emulated coordinator. Actions and history go through the hub itself.
 */
import { BleBinding } from '../../../bindings/ble/ble-binding.js';
import { optionsSchema as bleSchema, type BleOptions } from '../../../bindings/ble/ble-options.js';
import type { BleCentral } from '../../../bindings/ble/central.js';
import type { BindingModule } from '../../../gateway/binding.js';
import { BINDING_MODULES } from '../../../gateway/binding-registry.js';
import type { ActionClient } from '../../../firmware-sim/fleet/action-client.js';
import type { GatewayNeeds } from '../../../firmware-sim/fleet/device-model.js';
import type { Connection } from '../../../firmware-sim/fleet/fleet-session.js';
import { bleBindingSection, coapSecurity, zigbeeBindingSection } from '../../../firmware-sim/fleet/gateway-config.js';
import { manifestFromJson } from '../../../gateway/onboarding/manifest.js';
import type { HistorySource } from '../../../firmware-sim/fleet/verify.js';
import { mergePatch } from '../../../gateway/hub/directory.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

export function hubActions(gw: TestGateway): ActionClient {
  return {
    invoke: (thingId, action, input) => Promise.resolve(gw.hub.invokeAction(thingId, action, input)),
    status: (id) => Promise.resolve(gw.hub.getAction(id)),
    write: (thingId, property, value) => Promise.resolve(gw.hub.writeProperty(thingId, property, value)),
    describe: (thingId) => {
      let td: { title: string; properties?: object; actions?: object };
      try {
        td = gw.hub.getThing(thingId).nativeTd as typeof td;
      } catch {
        return Promise.resolve(null);
      }
      return Promise.resolve({ title: td.title, properties: Object.keys(td.properties ?? {}), actions: Object.keys(td.actions ?? {}) });
    },
  };
}

export function hubHistory(gw: TestGateway): HistorySource {
  return (thingId, name) => Promise.resolve(gw.hub.history({ thingId, name, limit: 100000 }).map((r) => r.value));
}

export interface FleetGateway {
  gw: TestGateway | null;
  connect(needs: GatewayNeeds): Promise<Connection>;
}

/** `connect` for runSession: starts the gateway with what the devices need, over `extra` config. */
export function fleetGateway(extra: Record<string, unknown> = {}): FleetGateway {
  const fg: FleetGateway = {
    gw: null,
    async connect(needs) {
      const bindings: Record<string, unknown> = { coap: { enabled: true, host: '127.0.0.1', port: 0, registrationsPerMinutePerAddress: 100000, security: coapSecurity(needs) } };
      const modules = { ...BINDING_MODULES };
      if (needs.ble) {
        bindings['ble'] = bleBindingSection(needs.ble);
        const central: BleCentral = needs.ble.central;
        const mod: BindingModule<BleOptions> = { optionsSchema: bleSchema, create: (o) => new BleBinding(o, { centralFactory: () => Promise.resolve(central) }) };
        modules.ble = () => Promise.resolve(mod as unknown as BindingModule<never>);
      }
      if (needs.zigbee) bindings['zigbee'] = zigbeeBindingSection(needs.zigbee);
      // The fleet's devices are admitted as they come (docs/security.md, onboarding policy open);
      // OSCORE devices only from the fleet's manifest.
      const onboarding = { defaultPolicy: 'open', ...(needs.coap ? { policy: { coap: 'manifest' } } : {}) };
      const gw = await startTestGateway(mergePatch({ onboarding, bindings }, extra) as Record<string, unknown>, { bindingModules: modules });
      if (needs.coap) gw.hub.onboarding.importManifest(manifestFromJson(needs.coap.manifest));
      fg.gw = gw;
      const at = (gw.binding('coap') as unknown as { listening: { address: string; port: number } }).listening;
      return { gateway: { host: at.address, coapPort: at.port }, actions: hubActions(gw) };
    },
  };
  return fg;
}
