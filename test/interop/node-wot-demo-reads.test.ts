/**
 * The demo fleet (firmware-sim/scenarios/demo.yaml: CoAP, serial and BLE devices, sleepy and
 * always-on) against a real gateway, consumed by node-wot 0.9.2 (which validates every value it
 * reads against the affordance's data schema): every readable property of every thing, over HTTP,
 * answers a value that fits its schema or a typed error, never a value that breaks the schema,
 * and written properties read back as written (not as the devices' acknowledgements). Over MQTT,
 * every retained property value node-wot reads fits its schema too. Before issue 12: 18 of 61
 * reads failed node-wot's schema check (`null` for properties without a value).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bindingHttp from '@node-wot/binding-http';
import bindingMqtt from '@node-wot/binding-mqtt';
import wotCore from '@node-wot/core';
import mqtt from 'mqtt';
import { admitFleet, DEMO_SCENARIO, demoBindingModules, demoConfig } from '../../cli/commands/demo.js';
import { DEVICE_KINDS } from '../../firmware-sim/fleet/device-kinds.js';
import { FleetRunner } from '../../firmware-sim/fleet/fleet-runner.js';
import { loadScenario } from '../../firmware-sim/fleet/scenario.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../helpers/gateway.js';

const { HttpClientFactory } = bindingHttp;
const { MqttClient } = bindingMqtt;
const { Servient } = wotCore;
type Servient = InstanceType<typeof Servient>;
type TD = Record<string, unknown> & { id: string; title: string; properties?: Record<string, Record<string, unknown>> };

/** What one read ended as: a value that fits, a schema failure (the bug), or another error. */
interface ReadTally { ok: number; schemaFailures: string[]; otherErrors: string[] }

const SCHEMA_FAILURE = /Invalid value according to DataSchema/i;

function readable(td: TD): string[] {
  return Object.entries(td.properties ?? {}).filter(([, p]) => p['writeOnly'] !== true).map(([n]) => n);
}

/** Reads with a bound: node-wot's HTTP client has no timeout of its own that a test can rely on. */
async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_r, reject) => { t = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(t);
  }
}

const NO_FAULTS = { loss: 0, duplication: 0, reorder: 0, rebootPerWake: 0, clockDriftPpm: 0, batteryDepletion: { fraction: 0, remainingMah: 0 } };

/** Writes before the reads: a sleepy CoAP sensor, a sleepy serial MCU, an always-on lamp. */
const WRITES: Array<[string, string, unknown]> = [
  ['urn:roost:coap:room-0', 'interval', 45],
  ['urn:roost:serial:mcu-0', 'interval', 30],
  ['urn:roost:coap:lamp-0', 'led', true],
];

describe('node-wot reads every property of the demo fleet', () => {
  let gw: TestGateway | null = null;
  let runner: FleetRunner;
  let token: string;
  let tds: TD[];
  /** Things whose properties are answered from the twin only. */
  const noLiveRead = new Set<string>();
  const servients: Servient[] = [];
  const mqttClients: InstanceType<typeof MqttClient>[] = [];

  before(async () => {
    // No scripted actions and no faults: the reads alone are under test, and a lost datagram
    // (the demo's 2 % loss) would leave a write to wait for its wall-clock result timeout while
    // the fleet runs flat out. Devices stay powered until after().
    const demo = loadScenario(DEMO_SCENARIO, DEVICE_KINDS);
    const scenario = { ...demo, actions: [], speed: 0, faults: NO_FAULTS };
    runner = new FleetRunner({ scenario, kinds: DEVICE_KINDS });
    const needs = await runner.prepare();
    const modules = demoBindingModules(needs);
    gw = await startTestGateway(demoConfig(TEST_ADMIN_PASSWORD, { bindings: { coap: { host: '127.0.0.1', port: 0 } } }, needs), modules ? { bindingModules: modules } : {});
    admitFleet(gw, needs);
    const at = (gw.binding('coap') as unknown as { listening: { address: string; port: number } }).listening;
    runner.connect({ host: at.address, coapPort: at.port });
    await runner.start();
    // A few wakes of every device (flat out), so some properties have values and others have none.
    await runner.run(20_000, 0);
    // Writes the devices acknowledge with {"done": name} (as the simulated firmware does): the
    // twin keeps the written value, not the acknowledgement. The sleepy ones get theirs at a wake.
    const hub = gw.hub;
    const writes = WRITES.map(([id, name, value]) => hub.writeProperty(id, name, value));
    // More wakes until every write is done (bounded in simulated and wall time): a sleepy device
    // answers at its next wake, which a flat-out run may reach before the gateway has sent.
    const done = (): boolean => writes.every((w) => hub.getAction(w.id).state === 'completed');
    const deadline = Date.now() + 20_000;
    for (let until = 40_000; !done() && until <= 160_000 && Date.now() < deadline; until += 12_000) {
      await runner.run(until, 0);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const w of writes) assert.equal(hub.getAction(w.id).state, 'completed', `${w.thingId} ${w.name}: ${JSON.stringify(hub.getAction(w.id))}`);
    const r = await fetch(`${gw.httpUrl}/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    token = ((await r.json()) as { token: string }).token;
    const list = await fetch(`${gw.httpUrl}/things?limit=500`, { headers: { authorization: `Bearer ${token}` } });
    tds = (await list.json()) as TD[];
    for (const td of tds) {
      const t = gw.hub.getThing(td.id);
      if (t.sleepy || !gw.binding(t.binding)?.readProperty) noLiveRead.add(td.id);
    }
  });

  after(async () => {
    for (const c of mqttClients) await c.stop().catch(() => undefined);
    for (const s of servients) await s.shutdown().catch(() => undefined);
    await runner?.stop();
    await gw?.stop();
  });

  it('over HTTP: no read answers a value that breaks its schema', async () => {
    const s = new Servient();
    s.addClientFactory(new HttpClientFactory());
    s.addCredentials(Object.fromEntries(tds.map((td) => [td.id, { token }])));
    servients.push(s);
    const wot = await s.start();
    const tally: ReadTally = { ok: 0, schemaFailures: [], otherErrors: [] };
    let total = 0;
    await Promise.all(tds.map(async (td) => {
      const thing = await wot.consume(td as never);
      for (const name of readable(td)) {
        total++;
        const what = `${td.id} ${name}`;
        try {
          await bounded((async () => (await thing.readProperty(name)).value())(), 10_000, what);
          tally.ok++;
        } catch (err) {
          const msg = (err as Error).message;
          (SCHEMA_FAILURE.test(msg) ? tally.schemaFailures : tally.otherErrors).push(`${what}: ${msg.split('\n')[0] ?? ''}`);
        }
      }
    }));
    process.stderr.write(`# node-wot demo reads over HTTP: ${total} reads, ${tally.ok} ok, ${tally.schemaFailures.length} schema failures, ${tally.otherErrors.length} typed errors\n`);
    assert.ok(tds.length >= 20, `${tds.length} things in the directory`);
    assert.ok(total >= 50, `${total} readable properties`);
    assert.deepEqual(tally.schemaFailures, []);
    // Every other failure is a typed problem the gateway answered: no value yet (a sleepy device).
    const problems = await Promise.all(tally.otherErrors.map(async (e) => {
      const [id, name] = e.split(' ') as [string, string];
      const r = await fetch(`${gw?.httpUrl}/things/${encodeURIComponent(id)}/properties/${name.replace(/:$/, '')}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await r.json()) as { code?: string };
      return `${e} -> ${r.status} ${r.headers.get('content-type')?.split(';')[0]} ${body.code} ${noLiveRead.has(id) ? 'no live read' : 'LIVE READ'}`;
    }));
    process.stderr.write(problems.map((p) => `#   ${p}\n`).join(''));
    // Only where the gateway cannot ask the device: it sleeps, or its binding has no live read.
    for (const p of problems) assert.match(p, /-> 404 application\/problem\+json ROOST_ERR_NO_VALUE no live read$/, p);
    assert.ok(tally.ok > tally.otherErrors.length, JSON.stringify(tally));
    // The written values, as the writes left them (not the devices' acknowledgements).
    for (const [id, name, value] of WRITES) {
      const r = await fetch(`${gw?.httpUrl}/things/${encodeURIComponent(id)}/properties/${name}`, { headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await r.json(), value, `${id} ${name}`);
    }
    // The always-on lamps' `led` (never reported by the device) was read from the lamps themselves.
    assert.ok((gw?.hub.valueCounters().liveReads ?? 0) >= 2, 'live reads of the always-on lamps');
  });

  it('over MQTT: every retained property value fits its schema', async () => {
    assert.ok(gw?.mqttUrl, 'the gateway serves MQTT');
    // Which property topics hold a retained value (node-wot's MQTT read waits for one).
    const c = await mqtt.connectAsync(gw.mqttUrl, { username: 'admin', password: token, reconnectPeriod: 0 });
    const retained = new Map<string, Buffer>();
    c.on('message', (topic, payload, packet) => { if (packet.retain) retained.set(topic, payload); });
    await c.subscribeAsync('things/+/property/+');
    await new Promise((r) => setTimeout(r, 500));
    await c.endAsync();
    for (const [topic, payload] of retained) assert.notEqual(payload.toString(), 'null', `${topic} retains null`);

    const s = new Servient();
    s.addClientFactory({
      scheme: 'mqtt',
      getClient: () => mqttClients[mqttClients.push(new MqttClient({ username: 'admin', password: token })) - 1],
      init: () => true,
      destroy: () => true,
    } as never);
    servients.push(s);
    const wot = await s.start();
    const failures: string[] = [];
    let reads = 0;
    for (const td of tds) {
      const thing = await wot.consume(td as never);
      for (const name of readable(td)) {
        if (!retained.has(`things/${td.id}/property/${name}`)) continue;
        reads++;
        try {
          await bounded((async () => (await thing.readProperty(name)).value())(), 5000, `${td.id} ${name}`);
        } catch (err) {
          failures.push(`${td.id} ${name}: ${(err as Error).message.split('\n')[0] ?? ''}`);
        }
      }
    }
    process.stderr.write(`# node-wot demo reads over MQTT: ${reads} retained values read, ${failures.length} failures\n`);
    assert.ok(reads >= 20, `${reads} retained property values`);
    assert.deepEqual(failures, []);
  });
});
