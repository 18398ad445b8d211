import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeMessage } from '../../../bindings/coap/coap-message.js';
import { decodeCbor, encodeCbor } from '../../../protocols/cbor.js';
import { encodeSenmlCbor } from '../../../protocols/senml/index.js';
import { tempDir } from '../../helpers/gateway.js';
import { RawClient, startCoapGateway, type CoapRig } from './coap-rig.js';
import { manifestEntry, OscoreTestDevice, type DeviceKeys } from './oscore-test-device.js';

const LINKS = Buffer.from('</temp>;rt="roost.p";u="Cel";obs,</blink>;rt="roost.a";dt="object"');
const keysA: DeviceKeys = { masterSecret: '0102030405060708090a0b0c0d0e0f10', masterSalt: '9e7ca92223786340', kid: '01' };
const keysB: DeviceKeys = { masterSecret: 'a1a2a3a4a5a6a7a8a9aaabacadaeafb0', masterSalt: '0011223344556677', kid: '02' };

const register = (d: OscoreTestDevice, ep: string | null, b = 'UQ') =>
  d.request({ code: '0.02', uriPath: ['rd'], uriQuery: [...(ep ? [`ep=${ep}`] : []), 'lt=60', `b=${b}`], contentFormat: 40, payload: LINKS });
const temp = (d: OscoreTestDevice, ep: string, v: number) =>
  d.request({ code: '0.02', uriPath: ['t', ep], contentFormat: 60, payload: encodeCbor({ temp: v }) });
const counters = (rig: CoapRig) => rig.coap.status().counters;

describe('CoAP with OSCORE, security required', () => {
  let rig: CoapRig;
  before(async () => {
    rig = await startCoapGateway({ security: 'required', awakeWindowMs: 100 });
    rig.gw.hub.onboarding.importManifest([manifestEntry('oa', keysA), manifestEntry('ob', keysB)]);
  });
  after(async () => {
    await rig.stop();
  });

  it('registers (after one Echo round trip), posts telemetry, gets a queued action in a protected answer, posts its result', async () => {
    const d = await new OscoreTestDevice(rig.gateway, keysA).open();
    const before = counters(rig);
    const reg = await register(d, 'oa');
    // RFC 8613 B.1.2 / RFC 9175: the first request after the gateway started is answered 4.01 + Echo, then repeated.
    assert.equal(reg.echoed, true);
    assert.deepEqual([reg.res.code, reg.res.locationPath], ['2.01', ['rd', '1']]);
    assert.equal(counters(rig)['oscoreEchoChallenges']! - before['oscoreEchoChallenges']!, 1);
    assert.equal(counters(rig)['oscoreEchoVerified']! - before['oscoreEchoVerified']!, 1);
    // The Echo challenge carries the gateway's own Partial IV (flag 0x01 | n), the normal answer none.
    const challenge = reg.received[0]!;
    assert.match(challenge.toString('hex'), /^6444[0-9a-f]{12}920100ff/);
    assert.equal(reg.received[1]!.toString('hex').slice(16, 20), '90ff');
    const t = await temp(d, 'oa', 21.5);
    assert.equal(t.echoed, false);
    assert.equal(t.res.code, '2.04');
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:oa', 'temp')?.value, 21.5);
    await sleep(150);
    const action = rig.gw.hub.invokeAction('urn:roost:coap:oa', 'blink', { times: 2 });
    const t2 = await temp(d, 'oa', 22);
    assert.equal(t2.res.code, '2.04');
    assert.deepEqual(decodeCbor(t2.res.payload), { i: action.id, k: 'a', n: 'blink', v: { times: 2 } });
    const r = await d.request({ code: '0.02', uriPath: ['a', 'oa', action.id], contentFormat: 60, payload: encodeCbor({ s: 'completed', o: { ok: 1 } }) });
    assert.equal(r.res.code, '2.04');
    const done = await rig.gw.hub.waitForAction(action.id, 2000);
    assert.deepEqual([done.state, done.output], ['completed', { ok: 1 }]);
    // Bytes on the wire for the same telemetry, protected vs plain (figures for the report).
    const plain = encodeMessage({ type: 'CON', mid: 1, token: Buffer.alloc(4), code: '0.02', uriPath: ['t', 'oa'], contentFormat: 60, payload: encodeCbor({ temp: 22 }) });
    // OSCORE option (1 + flag, 1-byte Partial IV, kid) + inner code + inner payload marker + 8-byte tag = 14.
    assert.equal(t2.sent[0]!.length - plain.length, 14, `protected ${t2.sent[0]!.length} plain ${plain.length}`);
    d.close();
  });

  it('a protected registration without ep= takes the name from the security context (RFC 9176 §5.3)', async () => {
    const d = await new OscoreTestDevice(rig.gateway, keysB).open();
    const reg = await register(d, null);
    assert.equal(reg.res.code, '2.01');
    assert.equal(rig.gw.hub.getThing('urn:roost:coap:ob').id, 'urn:roost:coap:ob');
    assert.equal((await temp(d, 'ob', 5)).res.code, '2.04');
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:ob', 'temp')?.value, 5);
    d.close();
  });

  it('refuses a plain request (4.01), a wrong key (4.00), an unknown kid (4.01) and a replay (4.01), each counted; discovery stays open', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    let before = counters(rig);
    const plain = await c.request({ code: '0.02', uriPath: ['t', 'oa'], contentFormat: 60, payload: encodeCbor({ temp: 99 }) });
    assert.equal(plain.code, '4.01');
    assert.match(plain.payload.toString(), /^ROOST_ERR_UNAUTHENTICATED/);
    const plainReg = await c.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=newbie'], contentFormat: 40, payload: LINKS });
    assert.equal(plainReg.code, '4.01');
    assert.equal(counters(rig)['plainRefused']! - before['plainRefused']!, 2);
    assert.equal((await c.request({ code: '0.01', uriPath: ['.well-known', 'core'] })).code, '2.05');

    before = counters(rig);
    const wrong = await new OscoreTestDevice(rig.gateway, { ...keysA, masterSecret: 'ff'.repeat(16) }).open();
    wrong.seq = 500; // above the window: the tag is what fails
    const w = await temp(wrong, 'oa', 99);
    assert.deepEqual([w.res.code, w.res.payload.toString(), w.res.oscore], ['4.00', 'Decryption failed', undefined]);
    assert.equal(counters(rig)['oscoreDecryptFailed']! - before['oscoreDecryptFailed']!, 1);
    const stranger = await new OscoreTestDevice(rig.gateway, { ...keysA, kid: '77' }).open();
    const s = await temp(stranger, 'oa', 99);
    assert.deepEqual([s.res.code, s.res.payload.toString()], ['4.01', 'Security context not found']);
    assert.equal(counters(rig)['oscoreUnknownKid']! - before['oscoreUnknownKid']!, 1);

    const d = await new OscoreTestDevice(rig.gateway, keysA).open();
    d.seq = 1000;
    const ok = await temp(d, 'oa', 23);
    assert.equal(ok.res.code, '2.04');
    // The same protected bytes again under a new Message ID (class U, not protected): a replay.
    const replayed = Buffer.from(ok.sent[ok.sent.length - 1]!);
    replayed.writeUInt16BE(d.nextMid(), 2);
    const rep = await d.raw(replayed);
    assert.deepEqual([rep.code, rep.payload.toString()], ['4.01', 'Replay detected']);
    assert.equal(counters(rig)['oscoreReplay']! - before['oscoreReplay']!, 1);
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:oa', 'temp')?.value, 23);
    for (const x of [c, wrong, stranger, d]) x.close();
  });

  it('delivery is bound to identity: a spoofed uplink from another address, a replay from there and another device get nothing', async () => {
    const d = await new OscoreTestDevice(rig.gateway, keysA).open();
    const other = await new OscoreTestDevice(rig.gateway, keysB).open();
    const spoof = new RawClient(rig.gateway);
    await spoof.open();
    d.seq = 2000;
    const last = await temp(d, 'oa', 24);
    assert.equal(last.res.code, '2.04');
    await sleep(150);
    const action = rig.gw.hub.invokeAction('urn:roost:coap:oa', 'blink', { times: 9 });
    const before = counters(rig);
    // Plain, in the device's name, from another address.
    const p = await spoof.request({ code: '0.02', uriPath: ['t', 'oa'], contentFormat: 60, payload: encodeCbor({ temp: 1 }) });
    assert.equal(p.code, '4.01');
    assert.equal(p.payload.length > 0 && p.payload.toString().includes(action.id), false);
    // The device's own protected bytes, replayed from another address.
    const replay = Buffer.from(last.sent[0]!);
    spoof.sendRaw(replay);
    const r = await spoof.next();
    assert.deepEqual([r.code, r.payload.toString()], ['4.01', 'Replay detected']);
    // Another authenticated device posting in oa's name.
    other.seq = 50;
    const o = await temp(other, 'oa', 2);
    assert.equal(o.res.code, '4.03');
    assert.equal(o.res.payload.toString().includes(action.id), false);
    assert.equal(counters(rig)['oscoreForbidden']! - before['oscoreForbidden']!, 1);
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:oa', 'temp')?.value, 24);
    assert.equal(counters(rig)['piggybacked'], before['piggybacked']);
    // The device itself gets it.
    const mine = await temp(d, 'oa', 25);
    assert.equal((decodeCbor(mine.res.payload) as { i: string }).i, action.id);
    for (const x of [d, other]) x.close();
    spoof.close();
  });
});

describe('CoAP security optional and onboarding', () => {
  let rig: CoapRig;
  before(async () => {
    rig = await startCoapGateway({ security: 'optional' }, {}, { onboarding: { defaultPolicy: 'approve' } });
    rig.gw.hub.onboarding.importManifest([manifestEntry('oa', keysA)]);
  });
  after(async () => {
    await rig.stop();
  });

  it('a plain device is pending (4.03, counted, nothing reaches the hub) until approved, then registers at its next try', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    const before = counters(rig);
    const first = await c.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=plain1', 'b=UQ'], contentFormat: 40, payload: LINKS });
    assert.equal(first.code, '4.03');
    assert.match(first.payload.toString(), /^ROOST_ERR_FORBIDDEN: .*pending approval/);
    assert.equal(counters(rig)['admissionPending']! - before['admissionPending']!, 1);
    assert.throws(() => rig.gw.hub.getThing('urn:roost:coap:plain1'));
    assert.equal((await c.request({ code: '0.02', uriPath: ['t', 'plain1'], contentFormat: 60, payload: encodeCbor({ temp: 3 }) })).code, '4.04');
    rig.gw.hub.onboarding.approve('coap', 'plain1');
    const again = await c.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=plain1', 'b=UQ'], contentFormat: 40, payload: LINKS });
    assert.equal(again.code, '2.01');
    assert.equal((await c.request({ code: '0.02', uriPath: ['t', 'plain1'], contentFormat: 60, payload: encodeCbor({ temp: 3 }) })).code, '2.04');
    // Rejected, then it is refused (4.03) and its registration is gone.
    rig.gw.hub.onboarding.revoke('coap', 'plain1');
    assert.equal((await c.request({ code: '0.02', uriPath: ['t', 'plain1'], contentFormat: 60, payload: encodeCbor({ temp: 4 }) })).code, '4.04');
    const b2 = counters(rig);
    assert.equal((await c.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=plain1'], contentFormat: 40, payload: LINKS })).code, '4.03');
    assert.equal(counters(rig)['admissionRefused']! - b2['admissionRefused']!, 1);
    c.close();
  });

  it('a plain request for a device that has a context is 4.01; the device itself is served protected', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    const before = counters(rig);
    assert.equal((await c.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=oa'], contentFormat: 40, payload: LINKS })).code, '4.01');
    assert.equal(counters(rig)['plainRefused']! - before['plainRefused']!, 1);
    const d = await new OscoreTestDevice(rig.gateway, keysA).open();
    assert.equal((await register(d, 'oa')).res.code, '2.01');
    c.close();
    d.close();
  });
});

describe('CoAP security none', () => {
  it('answers a protected request 4.02 (OSCORE off), counted', async () => {
    const rig = await startCoapGateway({ security: 'none' });
    try {
      rig.gw.hub.onboarding.importManifest([manifestEntry('oa', keysA)]);
      const d = await new OscoreTestDevice(rig.gateway, keysA).open();
      const r = await temp(d, 'oa', 1);
      assert.equal(r.res.code, '4.02');
      assert.equal(counters(rig)['oscoreDisabled'], 1);
      d.close();
    } finally {
      await rig.stop();
    }
  });
});

describe('The gateway as OSCORE client, sequence numbers across restarts', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('invokes an action on an always-on device by a protected POST; after a stop that saved nothing more, the next number is above all used', async () => {
    const seen: number[] = [];
    for (let run = 0; run < 2; run++) {
      const rig = await startCoapGateway({ security: 'required', oscoreSequenceBlock: 4 }, {}, {}, { dataDir: dir });
      const d = await new OscoreTestDevice(rig.gateway, keysA).open();
      d.seq = run * 100;
      d.onRequest = (req) => ({ code: '2.04', contentFormat: 60, payload: encodeCbor({ path: req.uriPath.join('/'), n: (decodeCbor(req.payload) as { n: number }).n }) });
      try {
        if (run === 0) rig.gw.hub.onboarding.importManifest([manifestEntry('oa', keysA)]);
        assert.equal((await register(d, 'oa', 'U')).res.code, '2.01');
        const before = counters(rig);
        for (let n = 0; n < 6; n++) {
          const a = rig.gw.hub.invokeAction('urn:roost:coap:oa', 'blink', { n });
          const done = await rig.gw.hub.waitForAction(a.id, 3000);
          assert.deepEqual([done.state, done.output], ['completed', { path: 'blink', n }]);
        }
        assert.equal(counters(rig)['downlinkRequests']! - before['downlinkRequests']!, 6);
      } finally {
        d.close();
        await rig.stop();
      }
      if (run === 1) assert.ok(Math.min(...d.gatewaySeqs) > Math.max(...seen), `after the restart ${d.gatewaySeqs.join(',')} vs before ${seen.join(',')}`);
      seen.push(...d.gatewaySeqs);
    }
    assert.equal(seen.length, 12);
  });
});

describe('CoAP with OSCORE: what libcoap 4.3.5 found by hand', () => {
  const keysC: DeviceKeys = { masterSecret: 'c1c2c3c4c5c6c7c8c9cacbcccdcecfd0', masterSalt: '8899aabbccddeeff', kid: '03' };
  const keysD: DeviceKeys = { masterSecret: 'd1d2d3d4d5d6d7d8d9dadbdcdddedfe0', masterSalt: '1122334455667788', kid: '04' };
  let rig: CoapRig;
  before(async () => {
    rig = await startCoapGateway({ security: 'required', awakeWindowMs: 100 });
    rig.gw.hub.onboarding.importManifest([manifestEntry('oc', keysC), manifestEntry('od', keysD)]);
  });
  after(async () => {
    await rig.stop();
  });

  it('a device reads only its own value resources; an Observe is answered once, never notified in clear; inner Block1 is 4.13, not a cut body', async () => {
    const c = await new OscoreTestDevice(rig.gateway, keysC).open();
    const d = await new OscoreTestDevice(rig.gateway, keysD).open();
    assert.equal((await register(c, 'oc')).res.code, '2.01');
    assert.equal((await register(d, 'od')).res.code, '2.01');
    assert.equal((await temp(d, 'od', 5.5)).res.code, '2.04');
    const other = await c.request({ code: '0.01', uriPath: ['v', 'od', 'temp'] });
    assert.equal(other.res.code, '4.03', "another device's value resource is not served");
    const own = await c.request({ code: '0.01', uriPath: ['v', 'oc', 'temp'], observe: 0 });
    assert.equal(own.res.observe, undefined, 'no observation is made under OSCORE');
    assert.equal(rig.coap.status().gauges?.['observers'], 0);
    const blocks = await c.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=oc', 'lt=60'], contentFormat: 40, payload: LINKS, block1: { num: 0, more: true, szx: 6 } });
    assert.equal(blocks.res.code, '4.13');
    assert.deepEqual(Object.keys(rig.gw.hub.getThing('urn:roost:coap:oc').nativeTd['actions'] as object), ['blink'], 'the registration was not replaced by a cut one');
    c.close();
    d.close();
  });
});

describe('CoAP with OSCORE: LwM2M registrations are bound to their device', () => {
  const keysE: DeviceKeys = { masterSecret: 'e1e2e3e4e5e6e7e8e9eaebecedeeeff0', masterSalt: '2233445566778899', kid: '05' };
  const keysF: DeviceKeys = { masterSecret: 'f1f2f3f4f5f6f7f8f9fafbfcfdfefff0', masterSalt: '33445566778899aa', kid: '06' };
  const lwRegister = (d: OscoreTestDevice, ep: string) =>
    d.request({ code: '0.02', uriPath: ['rd'], uriQuery: [`ep=${ep}`, 'lt=60', 'lwm2m=1.1', 'b=U'], contentFormat: 40, payload: Buffer.from('</1/0>,</3/0>,</3303/0>') });
  const send = (d: OscoreTestDevice, v: number) =>
    d.request({ code: '0.02', uriPath: ['dp'], contentFormat: 112, payload: encodeSenmlCbor([{ n: '/3303/0/5700', v }]) });
  let rig: CoapRig;
  /** The property of /3303/0/5700 (lwm2m/object-td.ts names it). */
  const temperature = () => Object.keys(rig.gw.hub.getThing('urn:roost:coap:le').consumerTd.properties ?? {}).find((k) => k.endsWith('_3303_0_5700'))!;
  before(async () => {
    rig = await startCoapGateway({ security: 'required', awakeWindowMs: 100 });
    rig.gw.hub.onboarding.importManifest([manifestEntry('le', keysE), manifestEntry('lf', keysF)]);
  });
  after(async () => {
    await rig.stop();
  });

  it("another device can neither update, de-register nor Send for a device's LwM2M registration (4.03, counted)", async () => {
    const e = await new OscoreTestDevice(rig.gateway, keysE).open();
    const f = await new OscoreTestDevice(rig.gateway, keysF).open();
    const reg = await lwRegister(e, 'le');
    assert.equal(reg.res.code, '2.01');
    const location = reg.res.locationPath!;
    assert.match(location.join('/'), /^rd\/lw-\d+$/);
    assert.equal((await send(e, 21.5)).res.code, '2.04');
    const lwm2m = () => rig.coap.status().counters!;
    const before = counters(rig);
    const sends = lwm2m()['lwm2mSends']!;

    const update = await f.request({ code: '0.02', uriPath: location, uriQuery: ['lt=30'] });
    assert.equal(update.res.code, '4.03');
    const remove = await f.request({ code: '0.04', uriPath: location });
    assert.equal(remove.res.code, '4.03');
    assert.equal(rig.coap.status().gauges?.['lwm2mRegistrations'], 1, 'the registration is still there');
    // The device's address taken over by another device (a NAT that gave its port to another box):
    // a Send is matched to a registration by address, so it must also be the registered device's.
    const port = e.address.port;
    e.close();
    const g = new OscoreTestDevice(rig.gateway, keysF);
    g.seq = 100;
    g.socket.bind(port, '127.0.0.1');
    await once(g.socket, 'listening');
    const stolen = await send(g, -40);
    assert.equal(stolen.res.code, '4.03');
    assert.equal(counters(rig)['oscoreForbidden']! - before['oscoreForbidden']!, 3);
    assert.equal(lwm2m()['lwm2mSends'], sends, 'no Send of the other device was taken');
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:le', temperature())?.value, 21.5);

    // The device itself, from its new address: an Update moves it there, then its Send is taken.
    const e2 = new OscoreTestDevice(rig.gateway, keysE);
    e2.seq = 200;
    await e2.open();
    assert.equal((await e2.request({ code: '0.02', uriPath: location })).res.code, '2.04');
    assert.equal((await send(e2, 22)).res.code, '2.04');
    assert.equal(lwm2m()['lwm2mSends'], sends + 1);
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:le', temperature())?.value, 22);
    for (const x of [f, g, e2]) x.close();
  });
});
