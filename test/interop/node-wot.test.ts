/**
 * Interop with node-wot (the Eclipse Thingweb reference consumer, written by nobody here): a real
 * gateway with a test device, TDs fetched from the directory, then readProperty, writeProperty,
 * invokeAction, subscribeEvent and observeProperty on the system thing and on a test thing, over HTTP and MQTT.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bindingHttp from '@node-wot/binding-http';
import bindingMqtt from '@node-wot/binding-mqtt';
import wotCore from '@node-wot/core';
import mqtt from 'mqtt';
import type { BindingStatus } from '../../gateway/binding.js';
import { assertValidTd } from '../../gateway/td/td-validator.js';
import { TestDeviceBinding } from '../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.js';

// CommonJS packages: their named exports are only reachable through the default export.
const { HttpClientFactory } = bindingHttp;
const { MqttClient } = bindingMqtt;
const { Servient } = wotCore;
type Servient = InstanceType<typeof Servient>;

type TD = Record<string, unknown> & { id: string; title: string };
type Wot = Awaited<ReturnType<Servient['start']>>;
type Consumed = Awaited<ReturnType<Wot['consume']>>;
type Output = { value(): Promise<unknown> };

const LAMP = 'urn:roost:testdev:lamp';
const SYSTEM = 'urn:roost:system:gateway';

/** A device binding whose reported state the test sets, so the system thing sees a change. */
class FlakyBinding extends TestDeviceBinding {
  state: BindingStatus['state'] = 'running';
  override status(): BindingStatus {
    return { state: this.state, counters: {} };
  }
}

/** Waits for the next value a subscription hands over (bounded). */
function nextValues(count: number) {
  const values: unknown[] = [];
  let wake: (() => void) | null = null;
  const listener = (out: Output) => {
    void out.value().then((v) => {
      values.push(v);
      wake?.();
    });
  };
  const until = async (n: number) => {
    const deadline = Date.now() + 8000;
    while (values.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${values.length} of ${n} values arrived: ${JSON.stringify(values)}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
    return values.slice(0, count);
  };
  return { values, listener, until };
}

/** Resolves once the broker holds `value` as the retained message of `topic` (mqtt.js, bounded). */
async function retainedValue(url: string, password: string, topic: string, value: unknown): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const c = await mqtt.connectAsync(url, { username: 'admin', password, reconnectPeriod: 0 });
    const seen = new Promise<unknown>((resolve) => c.once('message', (_t, payload, packet) => resolve(packet.retain ? JSON.parse(payload.toString()) : undefined)));
    await c.subscribeAsync(topic);
    const v = await Promise.race([seen, new Promise((r) => setTimeout(r, 200))]);
    await c.endAsync();
    if (JSON.stringify(v) === JSON.stringify(value)) return;
  }
  throw new Error(`${topic} never held ${JSON.stringify(value)}`);
}

describe('node-wot as a consumer of the gateway', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let flaky: FlakyBinding;
  let token: string;
  let tds: TD[];
  const servients: Servient[] = [];
  const mqttClients: InstanceType<typeof MqttClient>[] = [];

  const httpWot = async (): Promise<Wot> => {
    const s = new Servient();
    s.addClientFactory(new HttpClientFactory());
    s.addCredentials(Object.fromEntries([LAMP, SYSTEM, 'urn:roost:directory'].map((id) => [id, { token }])));
    servients.push(s);
    return s.start();
  };

  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }]);
    flaky = new FlakyBinding('flaky', []);
    // node-wot fetches the directory's own TD without credentials (exploreDirectory).
    gw = await startTestGateway({ auth: { anonymousDirectory: true } }, { extraBindings: [dev, flaky] });
    const r = await fetch(`${gw.httpUrl}/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    token = ((await r.json()) as { token: string }).token;
    const list = await fetch(`${gw.httpUrl}/things`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(list.status, 200);
    tds = (await list.json()) as TD[];
  });

  after(async () => {
    for (const c of mqttClients) await c.stop().catch(() => undefined);
    for (const s of servients) await s.shutdown().catch(() => undefined);
    await gw.stop();
  });

  it('the directory serves TDs that validate against the W3C TD 1.1 schema', async () => {
    assert.deepEqual(tds.map((t) => t.id).sort(), [SYSTEM, LAMP].sort());
    for (const td of tds) assertValidTd(td, td.id);
    const wk = await fetch(`${gw.httpUrl}/.well-known/wot`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(wk.status, 200);
    assertValidTd(await wk.json(), 'directory TD');
  });

  it('reads, writes, invokes and subscribes on the test thing over HTTP', async () => {
    const wot = await httpWot();
    const lamp = await wot.consume(tds.find((t) => t.id === LAMP) as never);
    dev.ctx?.reportProperties(LAMP, { temperature: 21.5 });
    assert.equal(await (await lamp.readProperty('temperature')).value(), 21.5);
    await lamp.writeProperty('brightness', 42);
    assert.equal(await (await lamp.readProperty('brightness')).value(), 42);
    const blinked = await lamp.invokeAction('blink', { times: 2 });
    assert.ok(blinked, 'invokeAction answers an output');
    assert.deepEqual(await blinked.value(), { done: 'blink' });

    const got = nextValues(3);
    const sub = await lamp.subscribeEvent('button', got.listener);
    for (const v of ['short', 'long', 'double']) dev.ctx?.emitEvent(LAMP, 'button', v);
    assert.deepEqual(await got.until(3), ['short', 'long', 'double']);
    await sub.stop();

    // observeProperty over HTTP takes the longpoll observe form (node-wot's SSE client sends no token).
    const seen = nextValues(2);
    const obs = await lamp.observeProperty('temperature', seen.listener);
    dev.ctx?.reportProperties(LAMP, { temperature: 22 });
    dev.ctx?.reportProperties(LAMP, { temperature: 22.5 });
    assert.deepEqual(await seen.until(2), [22, 22.5]);
    await obs.stop();
  });

  it('reads, invokes and subscribes on the system thing over HTTP', async () => {
    const wot = await httpWot();
    const system = await wot.consume(tds.find((t) => t.id === SYSTEM) as never);
    const bindings = (await (await system.readProperty('bindings')).value()) as Record<string, string>;
    assert.equal(bindings['testdev'], 'running');
    assert.ok(((await (await system.readProperty('uptimeS')).value()) as number) >= 0);

    const got = nextValues(1);
    const sub = await system.subscribeEvent('bindingStateChanged', got.listener);
    flaky.state = 'error';
    // restartBinding samples the system figures afterwards, which notices flaky's new state.
    const restarted = await system.invokeAction('restartBinding', { name: 'testdev' });
    assert.ok(restarted, 'invokeAction answers an output');
    assert.deepEqual(await restarted.value(), { name: 'testdev', state: 'running' });
    assert.deepEqual(await got.until(1), [{ name: 'flaky', from: 'running', to: 'error' }]);
    await sub.stop();
  });

  it('finds the things through WoT.exploreDirectory', async () => {
    const wot = await httpWot();
    const found: string[] = [];
    const discovery = await wot.exploreDirectory(`${gw.httpUrl}/.well-known/wot`);
    for await (const td of discovery as unknown as AsyncIterable<TD>) found.push(td.id);
    assert.equal(discovery.error, undefined);
    assert.deepEqual(found.sort(), [SYSTEM, LAMP].sort());
  });

  it('reads a retained property and subscribes to an event over MQTT', async () => {
    assert.ok(gw.mqttUrl, 'the gateway serves MQTT');
    const s = new Servient();
    // node-wot's MQTT client takes credentials only from a thing-level `basic` scheme; our TDs
    // lead with bearer (for HTTP), so the client is given the MQTT login directly.
    s.addClientFactory({
      scheme: 'mqtt',
      getClient: () => mqttClients[mqttClients.push(new MqttClient({ username: 'admin', password: token })) - 1],
      init: () => true,
      destroy: () => true,
    } as never);
    servients.push(s);
    const wot = await s.start();
    const lamp: Consumed = await wot.consume(tds.find((t) => t.id === LAMP) as never);
    dev.ctx?.reportProperties(LAMP, { temperature: 19.25 });
    await retainedValue(gw.mqttUrl, token, `things/${LAMP}/property/temperature`, 19.25);
    assert.equal(await (await lamp.readProperty('temperature')).value(), 19.25);

    const got = nextValues(2);
    await lamp.subscribeEvent('button', got.listener);
    dev.ctx?.emitEvent(LAMP, 'button', 'mqtt-1');
    dev.ctx?.emitEvent(LAMP, 'button', 'mqtt-2');
    assert.deepEqual(await got.until(2), ['mqtt-1', 'mqtt-2']);
  });
});
