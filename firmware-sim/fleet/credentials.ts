/**
 * OSCORE credentials of a fleet's CoAP devices, and the manifest that gives them to the gateway
 * (docs/security.md "Device manifest", JSON). Derived from the scenario alone, so that `roost fleet
 * --manifest FILE` writes the same keys the devices of a later run use: the Master Secret (16
 * bytes) and Salt (8 bytes) from the scenario's seed and the device id, the kid from the device's
 * place among the CoAP devices (1, 2, ... as the shortest big-endian bytes: unique in the run, and
 * one byte for the first 255 devices). The seed is no secret: these keys are for a lab fleet; real
 * devices get random keys at provisioning.
 */
import type { OscoreKeys } from '../coap/index.js';
import type { DeviceKind } from './device-model.js';
import { Prng } from './prng.js';
import { groupDeviceIds, type Scenario } from './scenario.js';

/** One entry of a JSON manifest, as gateway/onboarding/manifest.ts reads it. */
export interface ManifestJsonEntry {
  binding: 'coap';
  deviceId: string;
  oscore: { masterSecret: string; masterSalt: string; senderId: string; recipientId: string };
}

function randomHex(prng: Prng, bytes: number): string {
  return Buffer.from(Array.from({ length: bytes }, () => prng.int(256))).toString('hex');
}

/** RFC 8613 §3.3: the kid as the shortest big-endian byte string of n (n >= 1). */
function kidOf(n: number): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return hex;
}

/** Device id -> keys for every CoAP device of the scenario; empty when it says `security: none`. */
export function fleetCredentials(s: Scenario, kinds: Readonly<Record<string, Pick<DeviceKind, 'binding'>>>): Map<string, OscoreKeys> {
  const out = new Map<string, OscoreKeys>();
  if (s.security === 'none') return out;
  const root = new Prng(s.seed).fork('oscore');
  for (const g of s.devices) {
    if (kinds[g.kind]?.binding !== 'coap') continue;
    for (const id of groupDeviceIds(g)) {
      const prng = root.fork(id);
      out.set(id, { masterSecret: randomHex(prng, 16), masterSalt: randomHex(prng, 8), senderId: kidOf(out.size + 1), recipientId: '' });
    }
  }
  return out;
}

/** The gateway's view of the same keys: its Sender ID is empty, its Recipient ID the device's kid. */
export function fleetManifest(credentials: ReadonlyMap<string, OscoreKeys>): ManifestJsonEntry[] {
  return [...credentials].map(([deviceId, k]) => ({
    binding: 'coap', deviceId, oscore: { masterSecret: k.masterSecret, masterSalt: k.masterSalt ?? '', senderId: k.recipientId ?? '', recipientId: k.senderId },
  }));
}
