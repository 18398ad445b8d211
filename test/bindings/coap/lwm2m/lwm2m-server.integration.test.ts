/**
 * The LwM2M server's registrations against things that went away behind its back: the same
 * endpoint name registered through Roost's own resource directory, and a thing an admin deleted.
 * A wake or a notification of such a registration used to reach the hub for a thing that no longer
 * existed and end the gateway (an unhandled ThingNotFoundError).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeMessage } from '../../../../bindings/coap/coap-message.js';
import { RawClient, startCoapGateway, type CoapRig } from '../coap-rig.js';

const LINKS = Buffer.from('</1/0>,</3/0>,</3303/0>');
const register = (ep: string, lwm2m: boolean) => ({
  code: '0.02', uriPath: ['rd'], uriQuery: [`ep=${ep}`, 'lt=300', ...(lwm2m ? ['lwm2m=1.1', 'b=UQ'] : ['b=U'])], contentFormat: 40,
  payload: lwm2m ? LINKS : Buffer.from('</temp>;rt="roost.p"'),
});

/** Lets the wake after an answer (setImmediate) and its follow-ups run. */
const settle = () => sleep(300);

describe('LwM2M registrations whose thing went away', () => {
  let rig: CoapRig;
  let dev: RawClient;
  const failures: unknown[] = [];
  let acceptObserve = false;
  let observeToken: Buffer | null = null;
  const onFailure = (err: unknown) => failures.push(err);

  before(async () => {
    // The defect ended the process: collect instead, so that the test reports it.
    process.on('unhandledRejection', onFailure);
    process.on('uncaughtException', onFailure);
    rig = await startCoapGateway({ lwm2mAwakeWindowMs: 2000 });
    dev = new RawClient(rig.gateway);
    await dev.open();
    // The gateway's observation requests (GET Observe=0 of /3303/0): refused (4.04), or accepted
    // with an empty 2.05 when a test wants the observation, whose token it then keeps.
    dev.socket.on('message', (buf) => {
      if ((buf[0]! & 0x30) !== 0 || buf[1]! !== 0x01) return;
      const token = buf.subarray(4, 4 + (buf[0]! & 0x0f));
      if (acceptObserve) observeToken = Buffer.from(token);
      dev.sendRaw(encodeMessage({ type: 'ACK', code: acceptObserve ? '2.05' : '4.04', mid: buf.readUInt16BE(2), token, ...(acceptObserve ? { observe: 1 } : {}) }));
    });
  });
  after(async () => {
    process.off('unhandledRejection', onFailure);
    process.off('uncaughtException', onFailure);
    dev.close();
    await rig.stop();
  });

  const stat = () => {
    const st = rig.coap.status();
    return { gauges: st.gauges ?? {}, counters: st.counters ?? {} };
  };

  /** The next answer to our own requests (the gateway's requests are skipped). */
  async function answer(m: Parameters<RawClient['send']>[0]) {
    dev.send(m);
    for (;;) {
      const r = await dev.next();
      if (r.type === 'ACK' || !r.code.startsWith('0.')) return r;
    }
  }

  it('a Roost registration of an LwM2M endpoint replaces it, and leaving removes both', async () => {
    const ep = 'shared-1';
    assert.deepEqual((await answer(register(ep, true))).locationPath, ['rd', 'lw-1']);
    const roost = await answer(register(ep, false));
    assert.equal(roost.code, '2.01');
    assert.equal(stat().gauges['lwm2mRegistrations'], 0, 'one endpoint name, one registration');
    assert.equal(stat().counters['lwm2mReplaced'], 1);
    assert.equal((await answer({ code: '0.04', uriPath: roost.locationPath! })).code, '2.02');
    // The old LwM2M location is gone: its Update is 4.04 (register again), not a wake of a removed thing.
    assert.equal((await answer({ code: '0.02', uriPath: ['rd', 'lw-1'] })).code, '4.04');
    await settle();
    assert.deepEqual(failures, []);
  });

  it('an LwM2M registration of a Roost endpoint replaces it', async () => {
    const ep = 'shared-2';
    const roost = await answer(register(ep, false));
    const regs = stat().gauges['registrations']!;
    const lw = await answer(register(ep, true));
    assert.equal(lw.code, '2.01');
    assert.equal(stat().gauges['registrations'], regs - 1, 'the Roost registration is gone');
    assert.equal((await answer({ code: '0.02', uriPath: roost.locationPath! })).code, '4.04');
    assert.equal((await answer({ code: '0.04', uriPath: lw.locationPath! })).code, '2.02');
    await settle();
    assert.deepEqual(failures, []);
  });

  it('an Update after an admin deleted the thing is 4.04 (register again), and the gateway runs on', async () => {
    const ep = 'deleted-1';
    const lw = await answer(register(ep, true));
    await settle();
    rig.gw.hub.deleteThing(`urn:roost:coap:${ep}`);
    const before = stat().counters['unknownEndpoint'] ?? 0;
    assert.equal((await answer({ code: '0.02', uriPath: lw.locationPath! })).code, '4.04');
    assert.equal(stat().counters['unknownEndpoint'], before + 1);
    assert.equal(stat().counters['lwm2mThingGone'], 1);
    await settle();
    assert.deepEqual(failures, []);
    // Registering again brings the thing back.
    assert.equal((await answer(register(ep, true))).code, '2.01');
    assert.ok(rig.gw.hub.getThing(`urn:roost:coap:${ep}`));
  });

  it('a notification after an admin deleted the thing is dropped with the registration, and the gateway runs on', async () => {
    const ep = 'deleted-2';
    acceptObserve = true;
    const lw = await answer(register(ep, true));
    const end = Date.now() + 3000;
    while (!observeToken && Date.now() < end) await sleep(20);
    assert.ok(observeToken, 'the gateway observed /3303/0');
    await settle();
    rig.gw.hub.deleteThing(`urn:roost:coap:${ep}`);
    const gone = stat().counters['lwm2mThingGone']!;
    dev.sendRaw(encodeMessage({ type: 'NON', code: '2.05', mid: dev.nextMid(), token: observeToken, observe: 2 }));
    await settle();
    assert.deepEqual(failures, []);
    assert.equal(stat().counters['lwm2mThingGone'], gone + 1);
    assert.equal((await answer({ code: '0.02', uriPath: lw.locationPath! })).code, '4.04');
    acceptObserve = false;
  });
});
