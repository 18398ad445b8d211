import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, codeOf } from '../../helpers/api-client.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

interface HistoryAnswer { thingId: string; truncated: boolean; items: Array<{ name: string; kind: string; ts: number; time: string; value: unknown }> }

describe('history over HTTP', () => {
  let gw: TestGateway;
  let admin: ApiClient;
  let base: string;
  const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
  before(async () => {
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 'a', sleepy: false }]);
    gw = await startTestGateway({}, { extraBindings: [dev] });
    admin = await ApiClient.login(gw.httpUrl!);
    const id = dev.thingId('a');
    base = `/things/${encodeURIComponent(id)}`;
    for (let i = 0; i < 5; i++) dev.ctx!.reportProperties(id, { temperature: 20 + i }, t0 + i * 1000);
    dev.ctx!.emitEvent(id, 'button', 'pressed', t0 + 2500);
  });
  after(() => gw.stop());

  it('answers a thing\'s history by name, kind, time range, order and limit', async () => {
    const all = await admin.get<HistoryAnswer>(`${base}/history`);
    assert.equal(all.status, 200);
    assert.equal(all.body.items.length, 6);
    assert.equal(all.body.truncated, false);

    const temps = await admin.get<HistoryAnswer>(`${base}/properties/temperature/history?from=${t0 + 1000}&to=${new Date(t0 + 4000).toISOString()}`);
    assert.deepEqual(temps.body.items.map((r) => r.value), [21, 22, 23]);
    assert.equal(temps.body.items[0]?.time, new Date(t0 + 1000).toISOString());

    const latest = await admin.get<HistoryAnswer>(`${base}/history?name=temperature&order=desc&limit=2`);
    assert.deepEqual(latest.body.items.map((r) => r.value), [24, 23]);
    assert.equal(latest.body.truncated, true);

    const events = await admin.get<HistoryAnswer>(`${base}/events/button/history`);
    assert.deepEqual(events.body.items.map((r) => [r.kind, r.value]), [['event', 'pressed']]);
  });

  it('refuses bad queries with typed errors', async () => {
    const cases: Array<[string, string]> = [
      [`${base}/history?from=yesterday`, 'ROOST_ERR_BAD_REQUEST'],
      [`${base}/history?from=${t0 + 10}&to=${t0}`, 'ROOST_ERR_BAD_REQUEST'],
      [`${base}/history?limit=0`, 'ROOST_ERR_BAD_REQUEST'],
      [`${base}/history?colour=red`, 'ROOST_ERR_BAD_REQUEST'],
      [`${base}/properties/humidity/history`, 'ROOST_ERR_AFFORDANCE_NOT_FOUND'],
      [`${base}/events/temperature/history`, 'ROOST_ERR_AFFORDANCE_NOT_FOUND'],
      ['/things/urn:nope/history', 'ROOST_ERR_THING_NOT_FOUND'],
    ];
    for (const [path, code] of cases) assert.equal(codeOf(await admin.get(path)), code, path);
  });

  it('needs a token', async () => {
    assert.equal(codeOf(await new ApiClient(gw.httpUrl!).get(`${base}/history`)), 'ROOST_ERR_UNAUTHENTICATED');
  });
});
