import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeCbor, encodeCbor } from '../../../protocols/cbor.js';
import { encodeSenmlCbor } from '../../../protocols/senml/index.js';
import { AlwaysOnActuator, SleepySensor } from '../../../firmware-sim/coap/index.js';
import { RawClient, startCoapGateway, type CoapRig } from './coap-rig.js';

const register = (c: RawClient, ep: string, links = '</temp>;rt="roost.p";u="Cel";obs', b = 'UQ') =>
  c.request({ code: '0.02', uriPath: ['rd'], uriQuery: [`ep=${ep}`, 'lt=60', `b=${b}`], contentFormat: 40, payload: Buffer.from(links) });

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('CoAP binding with firmware-sim devices over UDP', () => {
  let rig: CoapRig;
  before(async () => {
    rig = await startCoapGateway({ awakeWindowMs: 100 });
  });
  after(async () => {
    await rig.stop();
  });

  it('a sleepy sensor registers (RFC 9176), its native TD validates, its SenML+CBOR reaches the twin', async () => {
    const s = new SleepySensor({ gateway: rig.gateway, ep: 'sensor1', read: () => ({ temp: 21.5 }) });
    await s.wake();
    const id = 'urn:roost:coap:sensor1';
    const thing = rig.gw.hub.getThing(id);
    const td = thing.nativeTd as unknown as { base: string; properties: Record<string, { forms: Array<{ href: string }> }> };
    assert.match(new URL(td.properties['temp']!.forms[0]!.href, td.base).href, /^coap:\/\/127\.0\.0\.1:\d+\/temp$/);
    assert.equal(thing.online, true);
    await s.wake();
    assert.equal(rig.gw.hub.readProperty(id, 'temp')?.value, 21.5);
    s.radio.close();
  });

  it('a queued action reaches the sleepy device in the answer to its next uplink, result one round trip later', async () => {
    const s = new SleepySensor({ gateway: rig.gateway, ep: 'sensor2', onItem: (item) => ({ did: item.name, input: item.input }) });
    await s.wake();
    const id = 'urn:roost:coap:sensor2';
    await sleep(150); // the awake window of the first wake is over: the device sleeps
    const action = rig.gw.hub.invokeAction(id, 'blink', { times: 3 });
    const rep = await s.wake();
    // 1 uplink (telemetry, answered with the item) + 1 result post = 2 exchanges for the whole wake.
    assert.equal(rep.exchanges, 2);
    assert.deepEqual(rep.items.map((i) => [i.id, i.name, i.input]), [[action.id, 'blink', { times: 3 }]]);
    const done = await rig.gw.hub.waitForAction(action.id, 2000);
    assert.equal(done.state, 'completed');
    assert.deepEqual(done.output, { did: 'blink', input: { times: 3 } });
    assert.ok(rep.bytesUp > 0 && rep.bytesDown > 0 && rep.airtimeMs > 0);
    s.radio.close();
  });

  it('an always-on actuator: the gateway observes its temp, writes led and invokes blink by request', async () => {
    const a = new AlwaysOnActuator({ gateway: rig.gateway, ep: 'act1' });
    await a.register();
    const id = 'urn:roost:coap:act1';
    await until(() => a.observerCount === 1);
    a.setTemperature(30.25);
    await until(() => rig.gw.hub.readProperty(id, 'temp')?.value === 30.25);
    const w = rig.gw.hub.writeProperty(id, 'led', true);
    assert.equal((await rig.gw.hub.waitForAction(w.id, 3000)).state, 'completed');
    assert.equal(a.led, true);
    const b = rig.gw.hub.invokeAction(id, 'blink', { n: 2 });
    const done = await rig.gw.hub.waitForAction(b.id, 3000);
    assert.equal(done.state, 'completed');
    assert.deepEqual(done.output, { blinked: 1 });
    assert.deepEqual(a.blinks, [{ n: 2 }]);
    a.close();
  });

  it('answers bad input with the right codes and counts it', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    assert.equal((await register(c, 'bad1')).code, '2.01');
    const post = (payload: Buffer, contentFormat = 112, ep = 'bad1') => c.request({ code: '0.02', uriPath: ['t', ep], contentFormat, payload });
    assert.equal((await post(Buffer.from('9f01', 'hex'))).code, '4.00'); // indefinite array, never closed
    assert.equal((await post(encodeCbor({ n: 1 }))).code, '4.00'); // not a SenML pack
    assert.equal((await post(encodeSenmlCbor([{ n: 'temp', v: 1 }]), 112, 'nobody')).code, '4.04');
    assert.equal((await post(Buffer.from('x'), 0)).code, '4.15');
    const big = await post(Buffer.alloc(17000, 1));
    assert.equal(big.code, '4.13');
    assert.equal(big.size1, 16384);
    c.sendRaw(Buffer.from('ffffffff', 'hex')); // not CoAP v1: dropped, counted
    c.sendRaw(Buffer.from([0x40, 0x01])); // truncated header
    const st = rig.coap.status();
    await until(() => (rig.coap.status().counters['malformed'] ?? 0) >= 2);
    assert.ok((st.counters['malformedCbor'] ?? 0) >= 1);
    assert.ok((st.counters['invalidSenml'] ?? 0) >= 1);
    assert.ok((st.counters['unknownEndpoint'] ?? 0) >= 1);
    assert.ok((st.counters['oversized'] ?? 0) >= 1);
    assert.ok((st.counters['unsupportedFormat'] ?? 0) >= 1);
    c.close();
  });

  it('number and time edges (found by fuzzing): overflowing sums and non-JSON CBOR get 4.00, a far-future time does not freeze the twin', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    assert.equal((await register(c, 'edge1', '</temp>;rt="roost.p";obs,</o>;rt="roost.p";dt="object",</blink>;rt="roost.a"')).code, '2.01');
    const id = 'urn:roost:coap:edge1';
    const post = (payload: Buffer, contentFormat: number) => c.request({ code: '0.02', uriPath: ['t', 'edge1'], contentFormat, payload });
    const json = (pack: unknown) => Buffer.from(JSON.stringify(pack));
    assert.equal((await post(json([{ n: 'temp', v: 1 }]), 110)).code, '2.04');
    // bt + t overflows to Infinity: it was stored and outranked every later reading.
    const inf = await post(json([{ bt: 1.7e308, n: 'temp', t: 1.7e308, v: 2 }]), 110);
    assert.equal(inf.code, '4.00');
    assert.match(inf.payload.toString(), /ROOST_ERR_SENML_INVALID: record 0: Base Time \+ Time is out of range/);
    assert.equal((await post(json([{ bv: 1.7e308, n: 'temp', v: 1.7e308 }]), 110)).code, '4.00');
    // A clock that says 2100: stored at arrival, and the next real reading still updates the twin.
    assert.equal((await post(encodeSenmlCbor([{ n: 'temp', t: 4_102_444_800, v: 3 }]), 112)).code, '2.04');
    assert.equal(rig.gw.hub.readProperty(id, 'temp')?.value, 3);
    assert.ok(rig.gw.hub.readProperty(id, 'temp')!.ts <= Date.now());
    assert.equal((await post(encodeSenmlCbor([{ n: 'temp', v: 4 }]), 112)).code, '2.04');
    assert.equal(rig.gw.hub.readProperty(id, 'temp')?.value, 4);
    // {"o": {"a": 2^64-1}}: a BigInt that the twin kept in memory while its store threw (5.00).
    const big = await post(Buffer.from('a1616fa161611bffffffffffffffff', 'hex'), 60);
    assert.equal(big.code, '4.00');
    assert.match(big.payload.toString(), /ROOST_ERR_CBOR_MALFORMED/);
    assert.equal(rig.gw.hub.readProperty(id, 'o'), undefined);
    assert.equal((await post(Buffer.from('a16474656d70f97e00', 'hex'), 60)).code, '4.00'); // {"temp": NaN}
    // An action result whose output is a BigInt: 4.00, the item stays delivered until a real result.
    const a = rig.gw.hub.invokeAction(id, 'blink', null);
    const up = await post(encodeCbor({ temp: 5 }), 60);
    const item = decodeCbor(up.payload) as { i: string };
    assert.equal(item.i, a.id);
    const bad = await c.request({ code: '0.02', uriPath: ['a', 'edge1', a.id], contentFormat: 60, payload: Buffer.from('a2617369636f6d706c65746564616f1bffffffffffffffff', 'hex') });
    assert.equal(bad.code, '4.00');
    assert.equal(rig.gw.hub.getAction(a.id).state, 'delivered');
    assert.equal((await c.request({ code: '0.02', uriPath: ['a', 'edge1', a.id], contentFormat: 60, payload: encodeCbor({ s: 'completed' }) })).code, '2.04');
    assert.equal(rig.gw.hub.getAction(a.id).state, 'completed');
    c.close();
  });

  it('answers a duplicate CON with the same response, processed once (RFC 7252 §4.5)', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    await register(c, 'dup1');
    const before = rig.coap.status().counters['uplinks'] ?? 0;
    const msg = { code: '0.02', mid: 4242, uriPath: ['t', 'dup1'], contentFormat: 60, payload: encodeCbor({ temp: 5 }) };
    const r1 = await c.request(msg);
    const r2 = await c.request(msg);
    assert.equal(r1.code, '2.04');
    assert.deepEqual([r2.type, r2.code, r2.mid], ['ACK', '2.04', 4242]);
    assert.equal((rig.coap.status().counters['uplinks'] ?? 0) - before, 1);
    c.close();
  });

  it('rejects an unsupported critical option with 4.02 (RFC 7252 §5.4.1)', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    // CON GET mid 7, option 9 (OSCORE, critical) empty
    c.sendRaw(Buffer.from('400100079' + '0', 'hex'));
    const r = await c.next();
    assert.deepEqual([r.type, r.code, r.mid], ['ACK', '4.02', 7]);
    c.close();
  });

  it('serves Observe on /v/<ep>/<name> and stops on a GET with Observe=1 (RFC 7641 §3.6)', async () => {
    const dev = new RawClient(rig.gateway);
    const obs = new RawClient(rig.gateway);
    await dev.open();
    await obs.open();
    await register(dev, 'obs1');
    const token = Buffer.from([9, 9]);
    const first = await obs.request({ code: '0.01', uriPath: ['v', 'obs1', 'temp'], observe: 0, token });
    assert.equal(first.code, '2.05');
    assert.ok(first.observe !== undefined);
    await dev.request({ code: '0.02', uriPath: ['t', 'obs1'], contentFormat: 60, payload: encodeCbor({ temp: 7 }) });
    const n = await obs.next();
    assert.equal(decodeCbor(n.payload), 7);
    assert.ok(n.observe! > first.observe!);
    assert.equal(rig.coap.status().gauges?.['observers'], 1);
    const dereg = await obs.request({ code: '0.01', uriPath: ['v', 'obs1', 'temp'], observe: 1, token });
    assert.equal(dereg.observe, undefined);
    assert.equal(rig.coap.status().gauges?.['observers'], 0);
    await dev.request({ code: '0.02', uriPath: ['t', 'obs1'], contentFormat: 60, payload: encodeCbor({ temp: 8 }) });
    await assert.rejects(obs.next(300), /no datagram/);
    dev.close();
    obs.close();
  });

  it('updates (wake) and deletes (leave) a registration; unknown location is 4.04', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    const r = await register(c, 'rd1');
    const loc = r.locationPath ?? [];
    assert.equal(loc[0], 'rd');
    assert.equal((await c.request({ code: '0.02', uriPath: loc })).code, '2.04');
    assert.equal((await c.request({ code: '0.04', uriPath: loc })).code, '2.02');
    assert.equal((await c.request({ code: '0.02', uriPath: loc })).code, '4.04');
    c.close();
  });
});

describe('CoAP binding limits', () => {
  it('rate-limits a registration flood from one address with 4.29', async () => {
    const rig = await startCoapGateway({ registrationsPerMinutePerAddress: 5 });
    const c = new RawClient(rig.gateway);
    await c.open();
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) codes.push((await register(c, `flood${i}`)).code);
    assert.deepEqual(codes, ['2.01', '2.01', '2.01', '2.01', '2.01', '4.29', '4.29', '4.29']);
    assert.equal(rig.coap.status().counters['registrationsRateLimited'], 3);
    c.close();
    await rig.stop();
  });

  it('takes a registration offline when its lifetime runs out (RFC 9176 §5.3)', async () => {
    const rig = await startCoapGateway({ minLifetimeS: 1 });
    const c = new RawClient(rig.gateway);
    await c.open();
    await c.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=short', 'lt=1'], contentFormat: 40, payload: Buffer.from('</temp>;rt="roost.p"') });
    assert.equal(rig.gw.hub.getThing('urn:roost:coap:short').online, true);
    await until(() => rig.gw.hub.getThing('urn:roost:coap:short').online === false, 3000);
    assert.equal(rig.coap.status().counters['registrationsExpired'], 1);
    c.close();
    await rig.stop();
  });
});

describe('CoAP binding Block2 responses (RFC 7959)', () => {
  it('slices a body larger than blockSizeBytes into the blocks the client asks for', async () => {
    const rig = await startCoapGateway({ blockSizeBytes: 64 });
    const c = new RawClient(rig.gateway);
    await c.open();
    try {
      await register(c, 'blk1', '</temp>;rt="roost.p";u="Cel";obs,</hum>;rt="roost.p";obs,</pressure>;rt="roost.p";u="hPa";obs');
      const get = (block2?: { num: number; more: boolean; szx: number }) => c.request({ code: '0.01', uriPath: ['.well-known', 'core'], ...(block2 ? { block2 } : {}) });
      // RFC 7959 §2.2: unasked, the server answers block 0 at its own size (64 = SZX 2), with Size2 (§4).
      const first = await get();
      assert.equal(first.code, '2.05');
      assert.deepEqual(first.block2, { num: 0, more: true, szx: 2 });
      assert.equal(first.payload.length, 64);
      const total = first.size2 ?? 0;
      assert.ok(total > 128, `body of ${total} bytes`);
      const parts = [first.payload];
      for (let num = 1; ; num++) {
        const r = await get({ num, more: false, szx: 2 });
        assert.equal(r.code, '2.05');
        assert.equal(r.block2?.num, num);
        assert.equal(r.size2, undefined);
        parts.push(r.payload);
        if (!r.block2?.more) break;
        assert.equal(r.payload.length, 64);
      }
      const body = Buffer.concat(parts).toString('utf8');
      assert.equal(body.length, total);
      for (const href of ['</rd>', '</t>', '</v/blk1/temp>', '</v/blk1/hum>', '</v/blk1/pressure>']) assert.ok(body.includes(href), href);
      // RFC 7959 §2.4: a client asking for smaller blocks (32 = SZX 1) gets them; block 3 starts at byte 96.
      const small = await get({ num: 3, more: false, szx: 1 });
      assert.deepEqual([small.block2?.num, small.block2?.szx, small.payload.toString()], [3, 1, body.slice(96, 128)]);
      // A block past the end of the body is 4.02 Bad Option.
      assert.equal((await get({ num: 100, more: false, szx: 2 })).code, '4.02');
    } finally {
      c.close();
      await rig.stop();
    }
  });
});
