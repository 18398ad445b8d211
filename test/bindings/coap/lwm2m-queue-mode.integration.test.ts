/**
 * The LwM2M server side of the CoAP binding against firmware-sim's LwM2M 1.1 client over UDP
 * (docs/protocols/lwm2m.md "Roost as LwM2M server"): a Queue Mode device registers, is one thing
 * with a valid TD, gets queued writes and an execute in order on its next wake; version
 * negotiation; Send and notifications reach the twin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lwm2mClient } from '../../../firmware-sim/lwm2m/index.js';
import { isValidTd } from '../../../gateway/td/td-validator.js';
import { RawClient, startCoapGateway, type CoapRig } from './coap-rig.js';

const EP = 'urn:imei:490154203237518';
const THING = `urn:roost:coap:${EP}`;
/** The gateway's awake window after a device's uplink. */
const AWAKE_MS = 400;
/** The device stays awake longer than the gateway assumes (as it must), so a stall of this one-process test's event loop cannot put it to sleep mid-exchange. */
const DEVICE_AWAKE_MS = 1500;

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('LwM2M Queue Mode device on the CoAP binding', () => {
  let rig: CoapRig;
  let client: Lwm2mClient;

  before(async () => {
    rig = await startCoapGateway({ lwm2mAwakeWindowMs: AWAKE_MS }, { resultTimeoutMs: 20000 });
    client = new Lwm2mClient({ server: { host: rig.gateway.host, port: rig.gateway.port }, endpoint: EP, queueMode: true, awakeMs: DEVICE_AWAKE_MS, ackTimeoutMs: 200, lifetimeS: 300 });
  });
  after(async () => {
    client.close();
    await rig.stop();
  });

  it('registers (lwm2m=1.1, Q) and appears as one thing with a valid TD named after its objects', async () => {
    await client.register();
    assert.deepEqual(client.location, ['rd', 'lw-1']);
    const t = rig.gw.hub.getThing(THING);
    assert.equal(t.sleepy, true);
    assert.ok(isValidTd(t.nativeTd), 'native TD valid against the TD 1.1 schema');
    assert.ok(isValidTd(t.consumerTd), 'consumer TD valid');
    const props = Object.keys(t.nativeTd['properties'] as object);
    const actions = Object.keys(t.nativeTd['actions'] as object);
    for (const p of ['temperature_sensor_value_3303_0_5700', 'light_control_on_off_3311_0_5850', 'firmware_update_state_5_0_3', 'firmware_update_progress']) assert.ok(props.includes(p), p);
    for (const a of ['device_reboot_3_0_4', 'firmware_update_update_5_0_2', 'firmware_update', 'lwm2m_read', 'lwm2m_read_composite']) assert.ok(actions.includes(a), a);
    // The IPSO instances are observed from the registration on: the first answer fills the twin.
    await until('observed temperature in the twin', () => rig.gw.hub.readAllProperties(THING)['temperature_sensor_value_3303_0_5700'] !== undefined);
    assert.equal(rig.gw.hub.readProperty(THING, 'temperature_sensor_value_3303_0_5700')?.value, 21.5);
  });

  it('a notification and a Send update the twin and history', async () => {
    client.setTemperature(23.25);
    await until('notified value', () => rig.gw.hub.readProperty(THING, 'temperature_sensor_value_3303_0_5700')?.value === 23.25);
    client.store.set('/3311/0/5851', 77);
    assert.equal(await client.send(['/3311/0/5851']), '2.04');
    assert.equal(rig.gw.hub.readProperty(THING, 'light_control_dimmer_3311_0_5851')?.value, 77);
    const rows = rig.gw.hub.history({ thingId: THING, name: 'temperature_sensor_value_3303_0_5700', limit: 10 });
    assert.ok(rows.some((r) => r.value === 23.25), 'the notified value is in the history');
  });

  it('three queued writes and an execute reach the sleeping device in order on its next wake', async () => {
    await until('device asleep', () => client.asleep, DEVICE_AWAKE_MS + 3000);
    await sleep(AWAKE_MS);
    const seen: string[] = [];
    const onChange = client.store.onChange;
    client.store.onChange = (path) => {
      if (path.startsWith('/3311/')) seen.push(path);
      onChange(path);
    };
    client.store.onExecute('/3/0/4', () => {
      seen.push('execute /3/0/4');
    });
    const hub = rig.gw.hub;
    const ids = [
      hub.writeProperty(THING, 'light_control_on_off_3311_0_5850', true).id,
      hub.writeProperty(THING, 'light_control_dimmer_3311_0_5851', 40).id,
      hub.writeProperty(THING, 'light_control_colour_3311_0_5706', 'warm white').id,
      hub.invokeAction(THING, 'device_reboot_3_0_4', undefined).id,
    ];
    await sleep(300);
    for (const id of ids) assert.equal(hub.getAction(id).state, 'queued', 'nothing goes while the device sleeps');
    assert.equal(client.peer.droppedWhileAsleep, 0, 'the gateway sent nothing to the sleeping device');
    assert.equal(await client.update(), '2.04');
    for (const id of ids) assert.equal((await hub.waitForAction(id, 10000)).state, 'completed');
    assert.deepEqual(seen, ['/3311/0/5850', '/3311/0/5851', '/3311/0/5706', 'execute /3/0/4']);
    assert.equal(client.store.get('/3311/0/5850'), true);
    assert.equal(client.store.get('/3311/0/5851'), 40);
    assert.equal(client.store.get('/3311/0/5706'), 'warm white');
  });

  it('Read, Discover, Write-Attributes and Read-Composite go through the queue with their results', async () => {
    const hub = rig.gw.hub;
    const read = hub.invokeAction(THING, 'lwm2m_read', { path: '/3/0', format: 11542 });
    const discover = hub.invokeAction(THING, 'lwm2m_discover', { path: '/3303/0' });
    const attrs = hub.invokeAction(THING, 'lwm2m_write_attributes', { path: '/3303/0/5700', attributes: { pmin: 1, gt: 30 } });
    const composite = hub.invokeAction(THING, 'lwm2m_read_composite', { paths: ['/3/0/0', '/3303/0/5700'] });
    const partial = hub.invokeAction(THING, 'lwm2m_write', { path: '/3311/0', values: { '/3311/0/5851': 12 }, partial: true });
    assert.equal(await client.update(), '2.04');
    const r = await hub.waitForAction(read.id, 10000);
    assert.equal(r.state, 'completed');
    assert.equal((r.output as { values: Record<string, unknown> }).values['/3/0/0'], 'Roost');
    const d = await hub.waitForAction(discover.id, 10000);
    assert.match((d.output as { links: string }).links, /<\/3303\/0\/5700>/);
    assert.equal((await hub.waitForAction(attrs.id, 10000)).state, 'completed');
    const c = await hub.waitForAction(composite.id, 10000);
    assert.deepEqual(Object.keys((c.output as { values: object }).values).sort(), ['/3/0/0', '/3303/0/5700']);
    assert.equal((await hub.waitForAction(partial.id, 10000)).state, 'completed');
    assert.equal(client.store.get('/3311/0/5851'), 12);
    assert.equal(hub.readProperty(THING, 'device_manufacturer_3_0_0')?.value, 'Roost');
  });

  it('answers 4.12 to an LwM2M version it does not speak, 4.00 to a Register without ep', async () => {
    const c = new RawClient(rig.gateway);
    await c.open();
    try {
      const reg = (q: string[]) => c.request({ code: '0.02', uriPath: ['rd'], uriQuery: q, contentFormat: 40, payload: Buffer.from('</3/0>') });
      assert.equal((await reg(['ep=v13', 'lwm2m=1.3'])).code, '4.12');
      assert.equal((await reg(['lwm2m=1.1'])).code, '4.00');
      assert.equal((await reg(['ep=old-client', 'lwm2m=1.0', 'b=UQ'])).code, '2.01');
      assert.equal(rig.gw.hub.getThing('urn:roost:coap:old-client').sleepy, true, '1.0 Queue Mode from b=UQ');
    } finally {
      c.close();
    }
  });

  it('de-registers: the thing leaves the directory', async () => {
    assert.equal(await client.deregister(), '2.02');
    assert.throws(() => rig.gw.hub.getThing(THING));
  });
});
