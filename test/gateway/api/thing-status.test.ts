import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, codeOf } from '../../helpers/api-client.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

interface Status { id: string; title: string; binding: string; online: boolean; sleepy: boolean; actions: { queued: number; sent: number } }

describe('thing status over HTTP', () => {
  let gw: TestGateway;
  let admin: ApiClient;
  let dev: TestDeviceBinding;
  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'sleepy', sleepy: true }]);
    gw = await startTestGateway({ http: { syncWaitMs: 50 } }, { extraBindings: [dev] });
    admin = await ApiClient.login(gw.httpUrl!);
  });
  after(() => gw.stop());

  it('says which things are online, which sleep, and what waits in their queues', async () => {
    dev.ctx!.setOnline(dev.thingId('lamp'), true);
    dev.ctx!.setOnline(dev.thingId('sleepy'), false);
    const sleepyPath = `/things/${encodeURIComponent(dev.thingId('sleepy'))}`;
    assert.equal((await admin.send('POST', `${sleepyPath}/actions/reset`)).status, 202);
    assert.equal((await admin.send('POST', `${sleepyPath}/actions/blink`, { times: 1 })).status, 202);

    const one = await admin.get<Status>(`${sleepyPath}/status`);
    assert.equal(one.status, 200);
    assert.deepEqual(
      { online: one.body.online, sleepy: one.body.sleepy, binding: one.body.binding, actions: one.body.actions },
      { online: false, sleepy: true, binding: 'testdev', actions: { queued: 2, sent: 0 } },
    );

    const page = await admin.get<{ total: number; items: Status[] }>('/status/things?limit=2');
    assert.equal(page.body.total, 3);
    assert.deepEqual(page.body.items.map((s) => [s.id, s.online]), [['urn:roost:system:gateway', true], [dev.thingId('lamp'), true]]);
    assert.equal(page.body.items[1]?.title, 'Test lamp');
  });

  it('answers typed errors for an unknown thing or a bad page', async () => {
    assert.equal(codeOf(await admin.get('/things/urn:nope/status')), 'ROOST_ERR_THING_NOT_FOUND');
    assert.equal(codeOf(await admin.get('/status/things?limit=0')), 'ROOST_ERR_BAD_REQUEST');
    assert.equal(codeOf(await new ApiClient(gw.httpUrl!).get('/status/things')), 'ROOST_ERR_UNAUTHENTICATED');
  });
});
