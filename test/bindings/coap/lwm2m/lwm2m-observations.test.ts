/**
 * The observation bookkeeping alone, with a scripted device behind Lwm2mRequests' two calls (the
 * exchanges themselves run end to end in lwm2m-queue-mode and libcoap integration tests).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeviceTimeoutError } from '../../../../protocols/errors.js';
import type { Remote } from '../../../../bindings/coap/coap-endpoint.js';
import { Lwm2mObservations, observedPaths } from '../../../../bindings/coap/lwm2m/lwm2m-observations.js';
import type { Lwm2mRegistration } from '../../../../bindings/coap/lwm2m/lwm2m-registrations.js';
import { DeviceAnswerError, type Lwm2mRequests } from '../../../../bindings/coap/lwm2m/lwm2m-requests.js';

function registration(observed: string[]): Lwm2mRegistration {
  return {
    ep: 'ep-1', id: 'lw-1', thingId: 'urn:roost:coap:ep-1', remote: { address: '127.0.0.1', port: 5683 }, version: '1.1', binding: 'UQ',
    queueMode: true, lifetimeS: 600, expiresAt: 0, rootPath: '/', contentFormats: [], objects: [], observed, tokens: new Map(),
  } as Lwm2mRegistration;
}

/** Answers per path: values, a refusal (4.04) or silence (the device sleeps). */
function rig(answers: Record<string, 'values' | 'refuse' | 'timeout'>) {
  const calls = { observed: [] as string[], cancelled: [] as string[], forgotten: [] as string[], saved: 0, reported: 0 };
  const requests = {
    async observe(_reg: Lwm2mRegistration, path: readonly number[]) {
      const p = `/${path.join('/')}`;
      calls.observed.push(p);
      if (answers[p] === 'refuse') throw new DeviceAnswerError('4.04', 'Not Found');
      if (answers[p] === 'timeout') throw new DeviceTimeoutError('no answer');
      return [{ path: `${p}/5700`, value: 21.5 }];
    },
    async cancelObserve(_reg: Lwm2mRegistration, path: readonly number[]) {
      calls.cancelled.push(`/${path.join('/')}`);
    },
  } as unknown as Lwm2mRequests;
  const obs = new Lwm2mObservations({
    requests,
    forget: (_r: Remote, token: Buffer) => calls.forgotten.push(token.toString('hex')),
    save: () => calls.saved++,
    report: () => calls.reported++,
    notified: () => undefined,
  });
  return { obs, calls };
}

test('establish: each path gets a token; a path the device refuses leaves the list, and the registration is saved', async () => {
  const { obs, calls } = rig({ '/3303/0': 'values', '/3304/0': 'refuse', '/3311/0': 'values' });
  const reg = registration(['/3303/0', '/3304/0', '/3311/0']);
  await obs.establish(reg);
  assert.deepEqual(calls.observed, ['/3303/0', '/3304/0', '/3311/0']);
  assert.deepEqual(reg.observed, ['/3303/0', '/3311/0']);
  assert.deepEqual([...reg.tokens.keys()], ['/3303/0', '/3311/0']);
  assert.equal(calls.saved, 1);
  assert.equal(calls.reported, 2, 'the first answers fill the twin');
  // Established already: nothing is asked again.
  await obs.establish(reg);
  assert.equal(calls.observed.length, 3);
});

test('establish: a timeout stops the pass (the device sleeps) and keeps the path for its next wake', async () => {
  const { obs, calls } = rig({ '/3303/0': 'timeout', '/3311/0': 'values' });
  const reg = registration(['/3303/0', '/3311/0']);
  await obs.establish(reg);
  assert.deepEqual(calls.observed, ['/3303/0']);
  assert.deepEqual(reg.observed, ['/3303/0', '/3311/0']);
  assert.equal(reg.tokens.size, 0);
});

test('observe adds a new path to the list; drop forgets the tokens and keeps the list; cancel takes a path off', async () => {
  const { obs, calls } = rig({});
  const reg = registration([]);
  await obs.observe(reg, '/3303/0');
  await obs.observe(reg, '/3311/0');
  assert.deepEqual(reg.observed, ['/3303/0', '/3311/0']);
  const tokens = [...reg.tokens.values()].map((t) => t.toString('hex'));
  // Observing again replaces the token; the old one is forgotten.
  await obs.observe(reg, '/3303/0');
  assert.deepEqual(calls.forgotten, [tokens[0]]);
  obs.drop(reg);
  assert.equal(reg.tokens.size, 0);
  assert.deepEqual(reg.observed, ['/3303/0', '/3311/0'], 'established again after the next Register');
  await obs.observe(reg, '/3303/0');
  await obs.cancel(reg, '/3303/0');
  assert.deepEqual(calls.cancelled, ['/3303/0']);
  assert.deepEqual(reg.observed, ['/3311/0']);
  assert.equal(reg.tokens.has('/3303/0'), false);
});

test('observedPaths: the IPSO object instances at first, then the earlier paths the device still announces', () => {
  const reg = { ...registration([]), objects: [{ objectId: 3, instances: [0] }, { objectId: 3303, instances: [0, 1] }, { objectId: 3311, instances: [0] }] } as Lwm2mRegistration;
  assert.deepEqual(observedPaths(reg, undefined), ['/3303/0', '/3303/1', '/3311/0']);
  assert.deepEqual(observedPaths(reg, ['/3303/1/5700', '/3304/0', '/3/0']), ['/3303/1/5700', '/3/0']);
});
