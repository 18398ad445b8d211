/**
 * The device contract of the CoAP binding (docs/protocols/coap.md "What an answer means"): an
 * answer leaves only once what it covers is committed; registrations survive a restart with their
 * lifetime still counting; one queued item rides in each answer, with the count of those behind it;
 * nothing is pushed to a sleepy device that does not serve /q/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { encodeMessage, type CoapMessage } from '../../../bindings/coap/coap-message.js';
import { decodeCbor, encodeCbor } from '../../../protocols/cbor.js';
import { encodeSenmlCbor } from '../../../protocols/senml/index.js';
import { startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { RawClient, startCoapGateway } from './coap-rig.js';

const LINKS = '</temp>;rt="roost.p",</blink>;rt="roost.a";dt="object"';

async function register(c: RawClient, ep: string, links = LINKS, query: string[] = []): Promise<CoapMessage> {
  return c.request({ code: '0.02', uriPath: ['rd'], uriQuery: [`ep=${ep}`, 'lt=60', ...query], contentFormat: 40, payload: Buffer.from(links) });
}

function reading(c: RawClient, ep: string, temp: number): Promise<CoapMessage> {
  return c.request({ code: '0.02', uriPath: ['t', ep], contentFormat: 112, payload: encodeSenmlCbor([{ n: 'temp', v: temp }]) });
}

const location = (m: CoapMessage) => m.locationPath;

describe('CoAP answers mean "committed"', () => {
  it('a 2.04 leaves only once the reading is in SQLite; a refused write is a 5.00 and the retry is stored', async () => {
    const rig = await startCoapGateway({}, {});
    const c = new RawClient(rig.gateway);
    await c.open();
    const reader = new Database(join(rig.gw.dataDir, 'roost.db'), { readonly: true });
    try {
      assert.equal((await register(c, 'd1')).code, '2.01');
      // Seen from another connection at the moment the answer arrives: the reading is on disk.
      const rows = () => reader.prepare(`SELECT COUNT(*) FROM history WHERE thing_id = 'urn:roost:coap:d1' AND name = 'temp'`).pluck().get() as number;
      for (let i = 0; i < 5; i++) {
        const ack = await reading(c, 'd1', 20 + i);
        assert.equal(ack.code, '2.04');
        assert.equal(rows(), i + 1, `reading ${i} committed before its 2.04`);
      }
      rig.gw.store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
      const refused = await reading(c, 'd1', 99);
      assert.equal(refused.code, '5.00', 'no acknowledgement for what could not be stored');
      rig.gw.store.db.exec('DROP TRIGGER refuse');
      assert.equal((await reading(c, 'd1', 99)).code, '2.04');
      assert.ok(rows() >= 6);
      assert.ok(rig.gw.hub.historyStore.writeFailures >= 1);
    } finally {
      reader.close();
      c.close();
      await rig.stop();
    }
  });
});

describe('CoAP registrations across a restart', () => {
  const dir = tempDir();
  const config = { bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, ackTimeoutMs: 200, expirySweepMs: 50, awakeWindowMs: 100, security: 'none' } }, onboarding: { defaultPolicy: 'open' } };
  const start = async (): Promise<{ gw: TestGateway; c: RawClient }> => {
    const gw = await startTestGateway(config, { dataDir: dir });
    const at = (gw.binding('coap') as CoapBinding).listening!;
    const c = new RawClient({ host: at.address, port: at.port });
    await c.open();
    return { gw, c };
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a registered device posts after a restart without registering again; its location id and lifetime survive', async () => {
    let { gw, c } = await start();
    const reg = await register(c, 'keep');
    assert.equal(reg.code, '2.01');
    const loc = location(reg);
    const short = await c.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=short', 'lt=1'], contentFormat: 40, payload: Buffer.from(LINKS) });
    assert.equal(short.code, '2.01');
    const left = await register(c, 'left');
    assert.equal((await c.request({ code: '0.04', uriPath: location(left) })).code, '2.02');
    c.close();
    await gw.stop();
    await sleep(1100); // `short` runs out while the gateway is down

    ({ gw, c } = await start());
    try {
      assert.equal((await reading(c, 'keep', 21)).code, '2.04', 'no 4.04 after a restart');
      assert.equal((await c.request({ code: '0.02', uriPath: loc })).code, '2.04', 'the location id is still valid');
      const fresh = await register(c, 'other');
      assert.notDeepEqual(location(fresh), loc, 'a new registration gets a new id');
      assert.notDeepEqual(location(fresh), location(left), 'a location once handed out is never handed out again, not even after a restart');
      await sleep(150);
      const gone = await reading(c, 'short', 1);
      assert.equal(gone.code, '4.04', 'a lifetime that ran out while the gateway was down has expired');
      assert.match(gone.payload.toString(), /ROOST_ERR_DEVICE_NOT_FOUND/);
      assert.equal(gw.hub.getThing('urn:roost:coap:short').online, false);
      assert.equal((await register(c, 'short')).code, '2.01', 'and registering again is the cure');
    } finally {
      c.close();
      await gw.stop();
    }
  });
});

describe('CoAP sleepy delivery, one item per answer', () => {
  it('each answer carries the next item and how many more wait; nothing goes to /q/ of a device that does not serve it', async () => {
    const rig = await startCoapGateway({ awakeWindowMs: 2000 });
    const c = new RawClient(rig.gateway);
    await c.open();
    try {
      assert.equal((await register(c, 's1')).code, '2.01');
      const id = 'urn:roost:coap:s1';
      const ids = [1, 2, 3].map((n) => rig.gw.hub.invokeAction(id, 'blink', { n }).id);
      let answer = await reading(c, 's1', 20);
      const seen: unknown[] = [];
      for (let k = 0; k < 3; k++) {
        const body = decodeCbor(answer.payload) as Record<string, unknown>;
        seen.push([body['i'], body['m']]);
        answer = await c.request({ code: '0.02', uriPath: ['a', 's1', String(body['i'])], contentFormat: 60, payload: encodeCbor({ s: 'completed' }) });
      }
      assert.deepEqual(seen, [[ids[0], 2], [ids[1], 1], [ids[2], undefined]]);
      assert.equal(answer.payload.length, 0, 'an empty 2.04: nothing more, sleep');
      // The window is open: a new item waits for the next answer instead of going to /q/s1.
      const late = rig.gw.hub.invokeAction(id, 'blink', { n: 4 });
      await sleep(300);
      assert.equal(c.inbox.length, 0, 'no request to a device that only listens for answers');
      assert.equal(rig.gw.hub.getAction(late.id).state, 'queued');
      const next = decodeCbor((await reading(c, 's1', 21)).payload) as Record<string, unknown>;
      assert.equal(next['i'], late.id);
      for (const i of ids) assert.equal(rig.gw.hub.getAction(i).state, 'completed');
    } finally {
      c.close();
      await rig.stop();
    }
  });

  it('a device that registered a roost.q link gets items pushed to /q/<ep> while it is awake', async () => {
    const rig = await startCoapGateway({ awakeWindowMs: 3000 });
    const c = new RawClient(rig.gateway);
    await c.open();
    try {
      assert.equal((await register(c, 'q1', `${LINKS},</q/q1>;rt="roost.q"`)).code, '2.01');
      const item = rig.gw.hub.invokeAction('urn:roost:coap:q1', 'blink', { n: 1 });
      const push = await c.next(3000);
      assert.deepEqual([push.type, push.code, push.uriPath], ['CON', '0.02', ['q', 'q1']]);
      assert.equal((decodeCbor(push.payload) as Record<string, unknown>)['i'], item.id);
      c.sendRaw(encodeMessage({ type: 'ACK', code: '2.04', mid: push.mid, token: push.token })); // piggybacked 2.04
      await sleep(100);
      assert.equal(rig.gw.hub.getAction(item.id).state, 'delivered');
    } finally {
      c.close();
      await rig.stop();
    }
  });
});
