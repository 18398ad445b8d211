import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeCidPayload, idCredOf, makeCcs, staticDhPublicKey, CURVES } from '../../../protocols/edhoc/index.js';
import { startCoapGateway, type CoapRig } from './coap-rig.js';
import { deviceAuth, EdhocTestDevice } from './edhoc-test-device.js';

const MAX_SESSIONS = 64;
const FLOOD = 2000;

/** ERR_CODE 1 with its text, as the gateway sends it (RFC 9528 §6.2). */
const err1 = (text: string): string => Buffer.concat([Buffer.from([0x01, 0x60 + text.length]), Buffer.from(text)]).toString('hex');

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('EDHOC over CoAP: bad input', () => {
  let rig: CoapRig;
  let pins: string[];
  const counter = (name: string): number => rig.coap.status().counters[name] ?? 0;
  const gauge = (name: string): number => rig.coap.status().gauges?.[name] ?? 0;
  before(async () => {
    rig = await startCoapGateway({ security: 'required', edhocMaxSessions: MAX_SESSIONS, maxExchanges: 256 }, {}, { onboarding: { defaultPolicy: 'open' } });
    pins = rig.coap.edhocIdentity().map((c) => c.fingerprint);
  });
  after(async () => {
    await rig.stop();
  });

  const device = (suite = 2, method = 3, sub = 'bad') => new EdhocTestDevice(rig.gateway, deviceAuth(suite, method, sub), pins, method, [suite]).open();

  it('a truncated message_1 gets 4.00 with ERR_CODE 1 and is counted', async () => {
    const d = await device();
    const m1 = d.newInitiator().start();
    assert.ok(m1.ok);
    for (const cut of [1, 5, m1.value.length - 1]) {
      const r = await d.post(encodeCidPayload(true, m1.value.subarray(0, cut)));
      assert.equal(r.res.code, '4.00');
      assert.equal(r.res.contentFormat, 64);
      assert.equal(r.res.payload[0], 0x01, `cut at ${cut}: ERR_CODE 1`);
    }
    assert.ok(counter('edhocFailed_truncated') >= 1);
    // A truncated message_3 after a good message_1 fails the session too.
    const h = await d.firstHalf();
    assert.ok(h.ok);
    const r3 = await d.post(encodeCidPayload(h.session.cR, h.message3.subarray(0, h.message3.length - 3)));
    assert.equal(r3.res.code, '4.00');
    d.close();
  });

  it('reordered: message_3 before its message_1, or twice, is an unknown session', async () => {
    const d = await device();
    const before = counter('edhocFailed_unknown_session');
    const h = await d.firstHalf();
    assert.ok(h.ok);
    const unknown = await d.post(encodeCidPayload(Uint8Array.of(0x2a, 0x2b, 0x2c), h.message3));
    assert.deepEqual([unknown.res.code, unknown.res.payload.toString('hex')], ['4.00', err1('Unknown session')]);
    assert.equal((await d.post(encodeCidPayload(h.session.cR, h.message3))).res.code, '2.04');
    const twice = await d.post(encodeCidPayload(h.session.cR, h.message3));
    assert.equal(twice.res.code, '4.00');
    assert.equal(counter('edhocFailed_unknown_session') - before, 2);
    d.close();
  });

  it('a wrong MAC (credential of another key) gets 4.00 "Authentication failed"', async () => {
    const good = deviceAuth(2, 3, 'liar');
    const other = makeCcs(staticDhPublicKey('p256', CURVES.p256.randomPrivateKey()), { sub: 'liar', kid: Uint8Array.of(0x2b) });
    const d = await new EdhocTestDevice(rig.gateway, { privateKey: good.privateKey, credential: other, idCred: idCredOf(other, 'value') }, pins, 3, [2]).open();
    const before = counter('edhocFailed_mac_mismatch');
    const r = await d.enrol();
    assert.deepEqual([r.code, r.payload.toString('hex')], ['4.00', err1('Authentication failed')]);
    assert.equal(counter('edhocFailed_mac_mismatch') - before, 1);
    // A flipped bit in message_3 fails its AEAD tag.
    const h = await d.firstHalf();
    assert.ok(h.ok);
    const bent = Buffer.from(h.message3);
    bent[bent.length - 1]! ^= 1;
    const r2 = await d.post(encodeCidPayload(h.session.cR, bent));
    assert.deepEqual([r2.res.code, r2.res.payload.toString('hex')], ['4.00', err1('Decryption failed')]);
    d.close();
  });

  it('an unknown selected suite gets ERR_CODE 2 with SUITES_R; the device negotiates down and completes', async () => {
    const d = await new EdhocTestDevice(rig.gateway, deviceAuth(2, 3, 'suite6'), pins, 3, [6, 2]).open();
    const m1 = d.newInitiator().start();
    assert.ok(m1.ok);
    const r = await d.post(encodeCidPayload(true, m1.value));
    // SUITES_R: the gateway's suites [2, 0] as an array (RFC 9528 §6.3).
    assert.deepEqual([r.res.code, r.res.payload.toString('hex')], ['4.00', '02820200']);
    const only6 = await new EdhocTestDevice(rig.gateway, deviceAuth(2, 3, 'suite6b'), pins, 3, [6]).open();
    const m6 = only6.newInitiator().start();
    assert.ok(m6.ok);
    const r6 = await only6.post(encodeCidPayload(true, m6.value));
    assert.equal(r6.res.payload.toString('hex'), '02820200');
    assert.equal((await d.enrol()).code, '2.04', 'the Initiator retries with suite 2 after the error');
    d.close();
    only6.close();
  });

  it('a replayed message_1 opens a new half-open session each time (counted), and the original handshake still completes', async () => {
    const d = await device();
    const initiator = d.newInitiator();
    const m1 = initiator.start();
    assert.ok(m1.ok);
    const before = counter('edhocMessage1');
    const a = await d.post(encodeCidPayload(true, m1.value));
    const b = await d.post(encodeCidPayload(true, m1.value));
    assert.deepEqual([a.res.code, b.res.code], ['2.04', '2.04']);
    assert.notEqual(a.res.payload.toString('hex'), b.res.payload.toString('hex'), 'a fresh ephemeral key and C_R each');
    assert.equal(counter('edhocMessage1') - before, 2);
    const step = initiator.handleMessage2(a.res.payload);
    assert.ok(step.ok);
    assert.equal((await d.post(encodeCidPayload(step.value.session.cR, step.value.message3))).res.code, '2.04');
    d.close();
  });

  it(`a flood of ${FLOOD} message_1 from many connection ids keeps at most ${MAX_SESSIONS} half-open sessions, counts evictions, memory flat`, async () => {
    const d = await device(0, 3, 'flood');
    const evicted0 = counter('edhocSessionsEvicted');
    const send = async (n: number): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < n) {
          next++;
          const m1 = d.newInitiator().start();
          assert.ok(m1.ok);
          const r = await d.post(encodeCidPayload(true, m1.value), 10_000);
          assert.equal(r.res.code, '2.04');
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
    };
    await send(300);
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    await send(FLOOD - 300);
    gc();
    const heap1 = process.memoryUsage().heapUsed;
    assert.ok(gauge('edhocHalfOpenSessions') <= MAX_SESSIONS);
    assert.ok(counter('edhocSessionsEvicted') - evicted0 >= FLOOD - MAX_SESSIONS, `evicted ${counter('edhocSessionsEvicted') - evicted0}`);
    // Flat: the session table and the exchange cache are bounded; allow GC noise, not growth per message.
    assert.ok(heap1 - heap0 < 8 * 1024 * 1024, `heap grew ${((heap1 - heap0) / 1048576).toFixed(1)} MB over ${FLOOD - 300} message_1`);
    d.close();
  });
});
