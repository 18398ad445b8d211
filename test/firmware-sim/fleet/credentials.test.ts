/**
 * The fleet's device secrets from a scenario alone: OSCORE keys, or with `security: edhoc` an EDHOC
 * key pair per device (suites in turn) whose public key fingerprints make a manifest the gateway's
 * manifest parser takes; the same seed gives the same keys, another seed others.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleetCredentials, fleetManifest } from '../../../firmware-sim/fleet/credentials.js';
import { DEVICE_KINDS } from '../../../firmware-sim/fleet/device-kinds.js';
import { parseScenario } from '../../../firmware-sim/fleet/scenario.js';
import { parseManifest } from '../../../gateway/onboarding/manifest.js';

const scenario = (security: string, seed = 1) => parseScenario(`
durationS: 10
seed: ${seed}
security: ${security}
edhoc: { suites: [0, 2], method: 0 }
devices:
  - { kind: coap-sleepy-sensor, count: 3, idPrefix: s }
  - { kind: coap-actuator, count: 1, idPrefix: lamp }
  - { kind: serial-mcu, count: 1, idPrefix: m }
`, { kinds: DEVICE_KINDS });

describe('fleet credentials', () => {
  it('security: edhoc: a key pair per CoAP device, suites in turn, a manifest of public key fingerprints', () => {
    const secrets = fleetCredentials(scenario('edhoc'), DEVICE_KINDS);
    assert.deepEqual([...secrets.keys()], ['s-0', 's-1', 's-2', 'lamp-0']);
    assert.deepEqual([...secrets.values()].map((s) => [s.edhoc?.suite, s.edhoc?.method, s.oscore]), [[0, 0, undefined], [2, 0, undefined], [0, 0, undefined], [2, 0, undefined]]);
    assert.deepEqual([...secrets.values()].map((s) => s.edhoc!.auth.credential.publicKey.crv), ['ed25519', 'p256', 'ed25519', 'p256']);
    assert.equal(secrets.get('s-1')!.edhoc!.auth.credential.subject, 's-1');
    const manifest = fleetManifest(secrets);
    const parsed = parseManifest(JSON.stringify(manifest));
    assert.deepEqual(parsed.map((e) => [e.deviceId, e.credentials.publicKeySha256]), [...secrets].map(([id, s]) => [id, s.edhoc!.auth.credential.fingerprint]));
    assert.ok(parsed.every((e) => e.credentials.oscore === undefined));
  });

  it('the same seed gives the same keys, another seed others; OSCORE scenarios keep their keys', () => {
    const fp = (seed: number) => [...fleetCredentials(scenario('edhoc', seed), DEVICE_KINDS).values()].map((s) => s.edhoc!.auth.credential.fingerprint);
    assert.deepEqual(fp(1), fp(1));
    assert.notDeepEqual(fp(1), fp(2));
    const oscore = fleetCredentials(scenario('oscore'), DEVICE_KINDS);
    assert.deepEqual([...oscore.values()].map((s) => s.oscore?.senderId), ['01', '02', '03', '04']);
    assert.equal(parseManifest(JSON.stringify(fleetManifest(oscore)))[0]!.credentials.oscore?.recipientId, '01');
    assert.equal(fleetCredentials(scenario('none'), DEVICE_KINDS).size, 0);
  });
});
