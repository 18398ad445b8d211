/**
 * OSCORE credentials of a fleet's CoAP devices, and the manifest that gives them to the gateway
 * (docs/security.md "Device manifest", JSON). Derived from the scenario alone, so that `roost fleet
 * --manifest FILE` writes the same keys the devices of a later run use: the Master Secret (16
 * bytes) and Salt (8 bytes) from the scenario's seed and the device id, the kid from the device's
 * place among the CoAP devices (1, 2, ... as the shortest big-endian bytes: unique in the run, and
 * one byte for the first 255 devices). The seed is no secret: these keys are for a lab fleet; real
 * devices get random keys at provisioning.
 *
 * With `security: edhoc` a device has no OSCORE keys but an EDHOC key pair (suite and method from the
 * scenario's `edhoc` section, taken in turn by the CoAP devices), also from the seed, and the manifest
 * lists the fingerprints of its public keys (`publicKeySha256`): the gateway pre-approves the keys,
 * the devices enrol by EDHOC and derive their OSCORE contexts.
 */
import { edhocDeviceKey, type OscoreKeys } from '../coap/index.js';
import type { LocalAuth } from '../../protocols/edhoc/index.js';
import type { DeviceKind } from './device-model.js';
import { Prng } from './prng.js';
import { groupDeviceIds, type Scenario } from './scenario.js';

/** One entry of a JSON manifest, as gateway/onboarding/manifest.ts reads it: OSCORE keys, or the fingerprint of an EDHOC key. */
export type ManifestJsonEntry =
  | { binding: 'coap'; deviceId: string; oscore: { masterSecret: string; masterSalt: string; senderId: string; recipientId: string } }
  | { binding: 'coap'; deviceId: string; publicKeySha256: string };

/** A device's EDHOC key, suite and method (docs/fleet.md "EDHOC"). */
export interface EdhocKey {
  suite: number;
  method: number;
  auth: LocalAuth;
  /** message_3 in the first OSCORE request (RFC 9668). */
  combined: boolean;
  /** Gateway key fingerprints to pin; empty: trust on first use. */
  pins: readonly string[];
}

/** What a CoAP device of the fleet is provisioned with: OSCORE keys (`security: oscore`) or an EDHOC key (`security: edhoc`). */
export interface DeviceSecrets {
  oscore?: OscoreKeys;
  edhoc?: EdhocKey;
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

/** Device id -> what it is provisioned with, for every CoAP device of the scenario; empty when it says `security: none`. */
export function fleetCredentials(s: Scenario, kinds: Readonly<Record<string, Pick<DeviceKind, 'binding'>>>): Map<string, DeviceSecrets> {
  const out = new Map<string, DeviceSecrets>();
  if (s.security === 'none') return out;
  const root = new Prng(s.seed).fork(s.security);
  for (const g of s.devices) {
    if (kinds[g.kind]?.binding !== 'coap') continue;
    for (const id of groupDeviceIds(g)) {
      const prng = root.fork(id);
      if (s.security === 'edhoc') {
        const suite = s.edhoc.suites[out.size % s.edhoc.suites.length]!;
        const seed = Uint8Array.from({ length: 32 }, () => prng.int(256));
        const auth = edhocDeviceKey(suite, s.edhoc.method, id, { seed });
        out.set(id, { edhoc: { suite, method: s.edhoc.method, auth, combined: s.edhoc.combined, pins: s.edhoc.gatewayFingerprints } });
        continue;
      }
      out.set(id, { oscore: { masterSecret: randomHex(prng, 16), masterSalt: randomHex(prng, 8), senderId: kidOf(out.size + 1), recipientId: '' } });
    }
  }
  return out;
}

/**
 * The gateway's view of the same secrets: for OSCORE keys its Sender ID is empty, its Recipient ID
 * the device's kid; for an EDHOC key the fingerprint of its public key.
 */
export function fleetManifest(credentials: ReadonlyMap<string, DeviceSecrets>): ManifestJsonEntry[] {
  const out: ManifestJsonEntry[] = [];
  for (const [deviceId, { oscore: k, edhoc }] of credentials) {
    if (edhoc) out.push({ binding: 'coap', deviceId, publicKeySha256: edhoc.auth.credential.fingerprint });
    if (k) out.push({ binding: 'coap', deviceId, oscore: { masterSecret: k.masterSecret, masterSalt: k.masterSalt ?? '', senderId: k.recipientId ?? '', recipientId: k.senderId } });
  }
  return out;
}
