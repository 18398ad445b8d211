import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, codeOf } from '../../helpers/api-client.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

/** One line of the text exposition format: name, optional labels, a number. */
const SAMPLE_LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `no sample ${series} in\n${text}`);
  return Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let gw: TestGateway;
  let admin: ApiClient;
  let dev: TestDeviceBinding;
  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'a', sleepy: false }, { deviceId: 's', sleepy: true }]);
    gw = await startTestGateway({}, { extraBindings: [dev] });
    admin = await ApiClient.login(gw.httpUrl!);
  });
  after(() => gw.stop());

  it('counts what the hub did, in valid Prometheus text, per binding too', async () => {
    const a = dev.thingId('a');
    dev.ctx!.emitEvent(a, 'button', 'pressed');
    dev.ctx!.reportProperties(a, { temperature: 21 });
    const path = `/things/${encodeURIComponent(a)}/actions/blink`;
    assert.equal((await admin.send('POST', path, { times: 1 })).status, 200);
    // The sleepy thing's action waits in the queue.
    const queued = await admin.send('POST', `/things/${encodeURIComponent(dev.thingId('s'))}/actions/reset`);
    assert.equal(queued.status, 202);

    const r = await admin.get<string>('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = r.body;
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('#')) assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /, line);
      else assert.match(line, SAMPLE_LINE, line);
    }
    assert.equal(value(text, 'roost_events_in_total'), 1);
    assert.ok(value(text, 'roost_property_updates_in_total') >= 1);
    assert.equal(value(text, 'roost_actions_queued_total'), 2);
    assert.equal(value(text, 'roost_actions_completed_total'), 1);
    assert.equal(value(text, 'roost_actions_active'), 1);
    assert.equal(value(text, 'roost_things'), 3);
    assert.equal(value(text, 'roost_binding_state{binding="testdev",state="running"}'), 1);
    assert.equal(value(text, 'roost_binding_state{binding="testdev",state="error"}'), 0);
    assert.equal(value(text, 'roost_binding_testdev_delivered_total'), 1);
    for (const name of ['roost_actions_delivered_total', 'roost_actions_expired_total', 'roost_bus_dropped_total', 'roost_process_resident_memory_bytes']) {
      assert.ok(Number.isFinite(value(text, name)), name);
    }
  });

  it('needs a token', async () => {
    assert.equal(codeOf(await new ApiClient(gw.httpUrl!).get('/metrics')), 'ROOST_ERR_UNAUTHENTICATED');
  });
});
