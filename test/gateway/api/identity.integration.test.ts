/**
 * GET /gateway/identity lists the CoAP binding's EDHOC credentials (key, suites, kid, fingerprint, CCS)
 * beside the TLS and Ed25519 identities, over real HTTP; a firmware-sim device that pins only the
 * fingerprint the route gave enrols with suite 2 (the key the route names is the one the gateway
 * uses); with CoAP security off the list is empty.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { DeviceEdhoc, edhocDeviceKey } from '../../../firmware-sim/coap/edhoc-device.js';
import { SleepySensor } from '../../../firmware-sim/coap/sleepy-sensor.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

interface EdhocView { key: string; suites: number[]; kid: string; fingerprint: string; ccs: string }

async function identity(gw: TestGateway): Promise<{ edhoc: EdhocView[]; tls: unknown }> {
  const tok = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
  const { token } = (await tok.json()) as { token: string };
  const res = await fetch(`${gw.httpUrl}/gateway/identity`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as { edhoc: EdhocView[]; tls: unknown };
}

const coap = (security: string) => ({ bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, security } } });

describe('GET /gateway/identity: EDHOC credentials', () => {
  it('lists each credential with its suites, kid, fingerprint and CCS; a device pinning the P-256 one enrols', async () => {
    const gw = await startTestGateway(coap('required'));
    try {
      const id = await identity(gw);
      const binding = gw.binding('coap') as CoapBinding;
      assert.deepEqual(id.edhoc, binding.edhocIdentity().map((c) => ({ key: c.key, suites: [...c.suites], kid: c.kid, fingerprint: c.fingerprint, ccs: c.ccs })));
      assert.deepEqual(id.edhoc.map((c) => [c.key, c.suites, c.kid]), [['ed25519', [0], '10'], ['x25519', [0], '11'], ['p256', [2], '12']]);
      for (const c of id.edhoc) {
        assert.match(c.fingerprint, /^[0-9a-f]{64}$/);
        assert.match(c.ccs, /^a2/, 'a CCS: a map of sub and cnf');
      }
      const p256 = id.edhoc.find((c) => c.key === 'p256')!.fingerprint;
      const at = binding.listening!;
      const edhoc = new DeviceEdhoc({ auth: edhocDeviceKey(2, 3, 'pinned-1'), method: 3, suites: [2], pins: [p256] });
      const sensor = new SleepySensor({ gateway: { host: at.address, port: at.port }, ep: 'pinned-1', edhoc });
      try {
        assert.equal((await sensor.wake()).enrolments, 1);
        assert.ok(sensor.registered);
      } finally {
        sensor.radio.close();
      }
    } finally {
      await gw.stop();
    }
  });

  it('is empty when CoAP runs without security (no EDHOC)', async () => {
    const gw = await startTestGateway(coap('none'));
    try {
      assert.deepEqual((await identity(gw)).edhoc, []);
    } finally {
      await gw.stop();
    }
  });
});
