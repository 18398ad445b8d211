import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeCbor, encodeCbor } from '../../../protocols/cbor.js';
import { RawClient, startCoapGateway, type CoapRig } from './coap-rig.js';

describe('CoAP observe limits on a running gateway', () => {
  let rig: CoapRig;
  const clients: RawClient[] = [];
  before(async () => {
    rig = await startCoapGateway({ maxObserversPerAddress: 3, maxNotificationsPerSecondPerObserver: 2 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await rig.stop();
  });

  it('one address holds at most maxObserversPerAddress observers, each notified at most N/s; another address is unaffected', async () => {
    const dev = new RawClient(rig.gateway);
    const spray = new RawClient(rig.gateway);
    const other = new RawClient(rig.gateway);
    clients.push(dev, spray, other);
    await dev.open();
    await spray.open();
    other.socket.bind(0, '127.0.0.2');
    await once(other.socket, 'listening');
    const reg = await dev.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=amp1', 'lt=60', 'b=UQ'], contentFormat: 40, payload: Buffer.from('</temp>;rt="roost.p";u="Cel";obs') });
    assert.equal(reg.code, '2.01');

    const observed: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await spray.request({ code: '0.01', uriPath: ['v', 'amp1', 'temp'], observe: 0, token: Buffer.from([0xa0, i]) });
      assert.equal(r.code, '2.05');
      observed.push(r.observe !== undefined);
    }
    assert.deepEqual(observed, [true, true, true, false, false]);
    const r = await other.request({ code: '0.01', uriPath: ['v', 'amp1', 'temp'], observe: 0, token: Buffer.from([0xb0]) });
    assert.ok(r.observe !== undefined, 'another address registers');

    for (let i = 0; i < 10; i++) assert.equal((await dev.request({ code: '0.02', uriPath: ['t', 'amp1'], contentFormat: 60, payload: encodeCbor({ temp: i }) })).code, '2.04');
    await sleep(200);
    // A burst of 2 per observer: 3 observers at the spraying address, 1 at the other.
    assert.equal(spray.inbox.length, 6);
    assert.equal(other.inbox.length, 2);
    // Then, as the rate allows, the newest reading (the ones between were skipped).
    const deadline = Date.now() + 3000;
    while ((spray.inbox.length < 9 || other.inbox.length < 3) && Date.now() < deadline) await sleep(20);
    assert.equal(spray.inbox.length, 9);
    assert.deepEqual(other.inbox.map((m) => decodeCbor(m.payload)), [0, 1, 9]);
    const counters = rig.coap.status().counters ?? {};
    assert.equal(counters['observersRejectedPerAddress'], 2);
    assert.equal(counters['notificationsOut'], 12);
    assert.equal(counters['notificationsSkipped'], 4 * 7);
    assert.equal(counters['notificationsDeferred'], 4 * 8);
  });
});
