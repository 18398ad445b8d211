/**
 * The "Done when" for rules: a simulated fleet of sleepy CoAP sensors (firmware-sim) against
 * a gateway on 127.0.0.1, port 0. One sensor is powered off for 12 s, then on again: the offline
 * rule on it raises exactly one offline and one back-online notification, over MQTT (a viewer
 * subscribed to gateway/notifications/#), as webhooks to a local HTTP server and as ruleFired
 * events, and nothing more. A threshold rule with hysteresis on every sensor's temperature fires
 * once per crossing the stored values show, counted here independently of the rule engine.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEVICE_KINDS } from '../../../firmware-sim/fleet/device-kinds.js';
import { FleetRunner } from '../../../firmware-sim/fleet/fleet-runner.js';
import { parseScenario } from '../../../firmware-sim/fleet/scenario.js';
import { SYSTEM_THING_ID } from '../../../gateway/rules/index.js';
import { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../agents/agent-rig.js';
import { fleetGateway } from '../../firmware-sim/fleet/fleet-gateway.js';
import { connect, type Rig } from '../mqtt/mqtt-rig.js';

const SCENARIO = `
name: rules-fleet
durationS: 40
speed: 1
tickMs: 250
settleS: 1
security: none
devices:
  - kind: coap-sleepy-sensor
    count: 3
    idPrefix: room
    wakeIntervalS: 1
    readings: { temp: { generator: sine, mean: 25, amplitude: 8, periodS: 20 } }
`;
const OFF_AT_MS = 12_000;
const ON_AT_MS = 24_000;
const HOT = 30;
const BAND = 2;

/** Upward crossings of HOT, re-armed at HOT - BAND or below: what the threshold rule must report. */
function crossings(values: readonly number[]): number {
  let armed = true;
  let n = 0;
  for (const v of values) {
    if (armed && v > HOT) {
      n++;
      armed = false;
    } else if (!armed && v <= HOT - BAND) {
      armed = true;
    }
  }
  return n;
}

describe('rules against a simulated fleet', { timeout: 240_000 }, () => {
  // Awake windows shorter than the 1 s between wakes, so that each wake is one (the tracker learns the schedule).
  const fg = fleetGateway({ bindings: { coap: { awakeWindowMs: 300 } }, queue: { awakeWindowMs: 300 }, availability: { checkIntervalMs: 100 }, rules: { checkIntervalMs: 100, maxFiresPerMinute: 120 } });
  const runner = new FleetRunner({ scenario: parseScenario(SCENARIO, { kinds: DEVICE_KINDS }), kinds: DEVICE_KINDS });
  let hooks: Server;
  const hooked: Array<{ path: string; body: Record<string, unknown> }> = [];
  let watcher: Rig;

  before(async () => {
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        hooked.push({ path: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/roost`;

    const c = await fg.connect(await runner.prepare());
    runner.connect(c.gateway, c.actions);
    const gw = fg.gw!;
    const admin = await ApiClient.login(gw.httpUrl!);
    assert.equal((await admin.send('POST', '/users', { username: 'watcher', password: 'viewer-pass-1', role: 'viewer' })).status, 201);
    watcher = await connect(gw.mqttUrl!, { username: 'watcher', password: 'viewer-pass-1' });
    await watcher.client.subscribeAsync('gateway/notifications/#', { qos: 1 });
    const down = await admin.send('POST', '/rules', {
      id: 'room-1-down', name: 'room-1 stopped waking',
      trigger: { type: 'offline', thingId: 'urn:roost:coap:room-1', missedWakes: 4 },
      actions: [{ type: 'mqtt' }, { type: 'webhook', url: hookUrl }, { type: 'event' }],
    });
    assert.equal(down.status, 201, JSON.stringify(down.body));
    const hot = await admin.send('POST', '/rules', {
      id: 'hot', name: 'A room is too warm', trigger: { type: 'threshold', property: 'temp', above: HOT, hysteresis: BAND }, actions: [{ type: 'mqtt' }],
    });
    assert.equal(hot.status, 201, JSON.stringify(hot.body));

    await runner.start();
    await runner.run(OFF_AT_MS);
    const sensor = runner.device('room-1');
    assert.ok(sensor);
    sensor.poweredOn = false;
    await runner.run(ON_AT_MS);
    sensor.poweredOn = true;
    await runner.run();
  });

  after(async () => {
    await watcher?.client.endAsync();
    await fg.gw?.stop();
    await runner.stop();
    await new Promise<void>((r) => hooks.close(() => r()));
  });

  const notes = (id: string) => watcher.received.filter((r) => r.topic === `gateway/notifications/${id}`).map((r) => JSON.parse(r.payload.toString()) as Record<string, unknown>);

  it('the sensor that stopped waking: exactly one offline and one back-online notification, by MQTT, webhook and event', async () => {
    const gw = fg.gw!;
    await waitFor('both notifications', () => notes('room-1-down').length >= 2 && hooked.length >= 2);
    const mqttNotes = notes('room-1-down');
    assert.deepEqual(mqttNotes.map((n) => [n['kind'], n['thingId'], n['ruleId'], n['trigger']]), [
      ['offline', 'urn:roost:coap:room-1', 'room-1-down', 'offline'],
      ['online', 'urn:roost:coap:room-1', 'room-1-down', 'offline'],
    ]);
    assert.match(String(mqttNotes[0]!['reason']), /^urn:roost:coap:room-1 missed 4 wakes/);
    // Down for the 12 s it was off (less the 4 missed wakes before the rule said so), give or take the load.
    const silentS = (mqttNotes[1]!['value'] as { silentS: number }).silentS;
    assert.ok(silentS >= 8 && silentS <= 20, `back online after ${silentS} s of silence`);
    assert.deepEqual(hooked.map((h) => [h.path, h.body['kind']]), [['/roost', 'offline'], ['/roost', 'online']]);
    const events = gw.hub.history({ thingId: SYSTEM_THING_ID, name: 'ruleFired' }).map((h) => h.value as Record<string, unknown>).filter((v) => v['ruleId'] === 'room-1-down');
    assert.deepEqual(events.map((e) => e['kind']), ['offline', 'online']);
    const admin = await ApiClient.login(gw.httpUrl!);
    const rule = (await admin.get<{ status: { fires: number; errors: number; failing: boolean; lastFiring: { kind: string } } }>('/rules/room-1-down')).body;
    assert.deepEqual([rule.status.fires, rule.status.errors, rule.status.failing, rule.status.lastFiring.kind], [2, 0, false, 'online']);
  });

  it('the threshold rule: one notification per crossing of the stored temperatures, per sensor', async () => {
    const gw = fg.gw!;
    const expected = new Map<string, number>();
    for (const d of runner.devices) {
      const thingId = `urn:roost:coap:${d.deviceId}`;
      expected.set(thingId, crossings(gw.hub.history({ thingId, name: 'temp', limit: 10_000 }).map((r) => r.value as number)));
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    assert.ok(total >= 3, `the sine crosses ${HOT} at least once per sensor (${total})`);
    await waitFor('every crossing notified', () => notes('hot').length >= total);
    const got = new Map<string, number>();
    for (const n of notes('hot')) got.set(n['thingId'] as string, (got.get(n['thingId'] as string) ?? 0) + 1);
    assert.deepEqual(got, expected);
    assert.ok(notes('hot').every((n) => (n['value'] as number) > HOT && n['kind'] === 'above'));
    // And nothing else was notified.
    assert.deepEqual([...new Set(watcher.received.map((r) => r.topic))].sort(), ['gateway/notifications/hot', 'gateway/notifications/room-1-down']);
  });
});
