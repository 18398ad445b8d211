import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Responder, encodeCidPayload } from '../../../protocols/edhoc/index.js';
import { encodeCbor } from '../../../protocols/cbor.js';
import { startCoapGateway, type CoapRig } from './coap-rig.js';
import { deviceAuth, EdhocTestDevice } from './edhoc-test-device.js';

const LINKS = Buffer.from('</temp>;rt="roost.p";u="Cel";obs');
const register = (ep: string, b = 'UQ') => ({ code: '0.02', uriPath: ['rd'], uriQuery: [`ep=${ep}`, 'lt=60', `b=${b}`], contentFormat: 40, payload: LINKS });
const temp = (ep: string, v: number) => ({ code: '0.02', uriPath: ['t', ep], contentFormat: 60, payload: encodeCbor({ temp: v }) });

describe('EDHOC enrolment over CoAP (gateway as Responder), onboarding by key', () => {
  let rig: CoapRig;
  let pins: string[];
  before(async () => {
    rig = await startCoapGateway({ security: 'required', awakeWindowMs: 100 }, {}, { onboarding: { defaultPolicy: 'approve' } });
    pins = rig.coap.edhocIdentity().map((c) => c.fingerprint);
  });
  after(async () => {
    await rig.stop();
  });

  it('lists the gateway identity: Ed25519, X25519 and P-256 fingerprints', () => {
    const ids = rig.coap.edhocIdentity();
    assert.deepEqual(ids.map((i) => i.key), ['ed25519', 'x25519', 'p256']);
    for (const i of ids) assert.match(i.fingerprint, /^[0-9a-f]{64}$/);
  });

  it('an unknown key (suite 2, method 3) completes EDHOC, is pending with its fingerprint, is approved, then its data flows over OSCORE', async () => {
    const d = await new EdhocTestDevice(rig.gateway, deviceAuth(2, 3, 'edhoc-s2'), pins, 3, [2]).open();
    const first = await d.enrol();
    assert.equal(first.code, '4.03');
    assert.equal(first.contentFormat, 64);
    assert.equal(first.payload.toString('hex'), Buffer.concat([Buffer.from([0x01, 0x77]), Buffer.from('Device pending approval')]).toString('hex'));
    const pending = rig.gw.hub.onboarding.list('pending').find((p) => p.deviceId === 'edhoc-s2');
    assert.ok(pending, 'listed as pending');
    assert.equal(pending.claims?.['publicKeySha256'], d.auth.credential.fingerprint);
    assert.equal(pending.seenAs?.startsWith('coap edhoc from 127.0.0.1:'), true);
    // Before approval its OSCORE requests find no context.
    assert.equal(rig.gw.hub.onboarding.approve('coap', 'edhoc-s2').credentials?.publicKeySha256, d.auth.credential.fingerprint);
    const done = await d.enrol();
    assert.equal(done.code, '2.04');
    // Enrolment: two round trips; sizes of message_1 / message_2 / message_3 datagrams.
    const sizes = d.log.map((b) => b.length);
    assert.equal(sizes.length, 4);
    const reg = await d.request(register('edhoc-s2'));
    assert.equal(reg.res.code, '2.01', 'no Echo round trip: the context is new');
    const t = await d.request(temp('edhoc-s2', 19.5));
    assert.equal(t.res.code, '2.04');
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:edhoc-s2', 'temp')?.value, 19.5);
    d.close();
  });

  it('a manifest of public keys pre-approves a suite 0 / method 0 device; the combined request (RFC 9668) registers in the second round trip', async () => {
    const auth = deviceAuth(0, 0, 'ignored-subject');
    rig.gw.hub.onboarding.importManifest([{ binding: 'coap', deviceId: 'm-0', credentials: { publicKeySha256: auth.credential.fingerprint } }]);
    const d = await new EdhocTestDevice(rig.gateway, auth, pins, 0, [0]).open();
    const before = rig.coap.status().counters;
    const r = await d.enrolCombined(register('m-0'));
    assert.equal(r.res.code, '2.01');
    assert.equal(d.log.length, 4, 'two round trips for enrolment plus registration');
    assert.equal(rig.coap.status().counters['edhocCombined']! - before['edhocCombined']!, 1);
    const t = await d.request(temp('m-0', 7));
    assert.equal(t.res.code, '2.04');
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:m-0', 'temp')?.value, 7);
    d.close();
  });

  it('a device that lost its context (reboot) enrols again: the new context replaces the old, whose kid is then unknown', async () => {
    const auth = deviceAuth(2, 3, 'reboot-1');
    rig.gw.hub.onboarding.importManifest([{ binding: 'coap', deviceId: 'reboot-1', credentials: { publicKeySha256: auth.credential.fingerprint } }]);
    const d = await new EdhocTestDevice(rig.gateway, auth, pins, 3, [2]).open();
    assert.equal((await d.enrol()).code, '2.04');
    assert.equal((await d.request(register('reboot-1'))).res.code, '2.01');
    const old = { ctx: d.oscore!, seq: d.seq };
    assert.equal((await d.enrol()).code, '2.04');
    assert.equal((await d.request(temp('reboot-1', 1))).res.code, '2.04');
    d.oscore = old.ctx;
    d.seq = old.seq;
    const stale = await d.request(temp('reboot-1', 2));
    assert.equal(stale.res.code, '4.01');
    assert.equal(stale.res.payload.toString(), 'Security context not found');
    d.close();
  });

  it('a rejected key gets 4.03 and nothing else', async () => {
    const auth = deviceAuth(2, 3, 'bad-1');
    const d = await new EdhocTestDevice(rig.gateway, auth, pins, 3, [2]).open();
    assert.equal((await d.enrol()).code, '4.03');
    rig.gw.hub.onboarding.reject('coap', 'bad-1');
    const again = await d.enrol();
    assert.equal(again.code, '4.03');
    assert.match(again.payload.subarray(2).toString(), /not allowed/);
    d.close();
  });

  it('the gateway as Initiator re-keys an always-on device approved by key; the new context carries its requests', async () => {
    const auth = deviceAuth(2, 3, 'ao-1');
    rig.gw.hub.onboarding.importManifest([{ binding: 'coap', deviceId: 'ao-1', credentials: { publicKeySha256: auth.credential.fingerprint } }]);
    const d = await new EdhocTestDevice(rig.gateway, auth, pins, 3, [2]).open();
    assert.equal((await d.enrol()).code, '2.04');
    assert.equal((await d.request(register('ao-1', 'U'))).res.code, '2.01');
    const before = d.session!.cR;
    d.responder = new Responder({ methods: [3], suites: [2], auth: [auth], lookupCredential: d.lookup });
    await rig.coap.enrolDevice('ao-1', 3, [2]);
    assert.notEqual(d.session!.cR, before);
    assert.equal(d.session!.role, 'responder');
    const t = await d.request(temp('ao-1', 3));
    assert.equal(t.res.code, '2.04');
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:ao-1', 'temp')?.value, 3);
    d.close();
  });
  it('re-keys of two always-on devices at once, beside a device\'s half-open handshake, give three different Recipient IDs; all keep talking', async () => {
    const alwaysOn = async (ep: string): Promise<EdhocTestDevice> => {
      const auth = deviceAuth(2, 3, ep);
      rig.gw.hub.onboarding.importManifest([{ binding: 'coap', deviceId: ep, credentials: { publicKeySha256: auth.credential.fingerprint } }]);
      const d = await new EdhocTestDevice(rig.gateway, auth, pins, 3, [2]).open();
      assert.equal((await d.enrol()).code, '2.04');
      assert.equal((await d.request(register(ep, 'U'))).res.code, '2.01');
      d.responder = new Responder({ methods: [3], suites: [2], auth: [auth], lookupCredential: d.lookup });
      return d;
    };
    const a = await alwaysOn('ao-race-a');
    const b = await alwaysOn('ao-race-b');
    const cAuth = deviceAuth(2, 3, 'race-c');
    rig.gw.hub.onboarding.importManifest([{ binding: 'coap', deviceId: 'race-c', credentials: { publicKeySha256: cAuth.credential.fingerprint } }]);
    const c = await new EdhocTestDevice(rig.gateway, cAuth, pins, 3, [2]).open();
    const half = await c.firstHalf();
    assert.ok(half.ok);
    // Each handshake's gateway-side identifier becomes an OSCORE Recipient ID: none may be another's.
    await Promise.all([rig.coap.enrolDevice('ao-race-a', 3, [2]), rig.coap.enrolDevice('ao-race-b', 3, [2])]);
    const ids = [a.session!.cI, b.session!.cI, half.session.cR].map((id) => Buffer.from(id).toString('hex'));
    assert.equal(new Set(ids).size, 3, `Recipient IDs ${ids.join(', ')}`);
    assert.equal((await c.post(encodeCidPayload(half.session.cR, half.message3))).res.code, '2.04');
    c.useSession(half.session);
    assert.equal((await a.request(temp('ao-race-a', 1))).res.code, '2.04');
    assert.equal((await b.request(temp('ao-race-b', 2))).res.code, '2.04');
    assert.equal((await c.request(register('race-c'))).res.code, '2.01');
    a.close();
    b.close();
    c.close();
  });
});
