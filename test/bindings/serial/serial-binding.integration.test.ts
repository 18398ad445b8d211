import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { McuUnit, SerialMcu } from '../../../firmware-sim/serial/index.js';
import { isValidTd } from '../../../gateway/td/td-validator.js';
import { nativeTd } from '../../../bindings/serial/native-td.js';
import { attachMcu, startSerialRig, until, type SerialRig } from './serial-rig.js';

const HUB_UNITS: McuUnit[] = [
  { unit: 0, id: 'hub-1', description: { t: 'Sensor hub', p: { temp: { u: 'Cel' }, led: { y: 'boolean', w: true } }, a: { blink: { i: 'integer', o: 'integer' } }, e: { button: { y: 'string' } } } },
  { unit: 3, id: 'hub-1-soil', description: { p: { moisture: { u: '%RH' } } } },
];

describe('serial binding over socat pseudo-terminals with a simulated sensor hub', () => {
  let rig: SerialRig;
  let mcu: SerialMcu;
  const ran: Array<{ name: string; value: unknown }> = [];

  before(async () => {
    rig = await startSerialRig();
    mcu = await attachMcu(rig.pty.devicePath, {
      fw: '2.0.1',
      units: HUB_UNITS,
      onCommand: (c) => {
        ran.push({ name: c.name, value: c.value });
        if (c.name === 'blink' && (c.value as number) > 100) throw new Error('too many blinks');
        if (c.name === 'blink') return (c.value as number) * 2;
        return undefined;
      },
    });
    await until(() => rig.gw.hub.listThings().items.filter((t) => t.id.startsWith('urn:roost:serial:')).length === 2, 5000, 'two things registered');
  });
  after(async () => {
    mcu?.detach();
    await rig?.stop();
  });

  it('hello + describe register one thing per unit, with native TDs valid against the TD 1.1 schema', async () => {
    const hub = rig.gw.hub.getThing('urn:roost:serial:hub-1');
    const soil = rig.gw.hub.getThing('urn:roost:serial:hub-1-soil');
    type Td = { title: string; properties: Record<string, { readOnly: boolean; forms: Array<{ href: string }> }>; actions: Record<string, { input: { type: string } }> };
    const td = hub.nativeTd as unknown as Td;
    assert.equal(td.title, 'Sensor hub');
    assert.match(td.properties['temp']!.forms[0]!.href, /^serial:\/\/\/tmp\/.*\/gw#hub-1\/temp$/);
    assert.equal(td.properties['led']!.readOnly, false);
    assert.equal(td.actions['blink']!.input.type, 'integer');
    assert.equal((soil.nativeTd as unknown as Td).title, 'hub-1-soil');
    assert.ok(isValidTd(td));
    assert.ok(isValidTd(nativeTd('/dev/ttyUSB0', { id: 'x', fw: '1', pv: 1 }, {})), 'an empty description is a valid TD too');
    assert.equal(hub.online, true);
  });

  it('the MCU got the time at hello (it booted at 1970)', () => {
    assert.ok(mcu.timeSynced);
    assert.ok(Math.abs(mcu.clock() - Date.now()) < 2000, `clock ${mcu.clock()}`);
  });

  it('SenML+CBOR telemetry reaches the twin with the device timestamp; events are emitted; unknown names counted', async () => {
    const before = rig.serial.status().counters['readingsUnknownName']!;
    const events: unknown[] = [];
    const sub = rig.gw.hub.subscribe((m) => {
      if (m.type === 'event') events.push([m.name, m.data]);
    }, { types: ['event'], thingId: 'urn:roost:serial:hub-1' });
    await mcu.telemetry(0, { temp: 21.5, button: 'pressed', nosuch: 1 });
    await mcu.telemetry(3, { moisture: 41 });
    await until(() => rig.gw.hub.readProperty('urn:roost:serial:hub-1-soil', 'moisture')?.value === 41);
    const t = rig.gw.hub.readProperty('urn:roost:serial:hub-1', 'temp');
    assert.equal(t?.value, 21.5);
    assert.ok(Math.abs(t!.ts - Date.now()) < 2000);
    assert.equal(rig.serial.status().counters['readingsUnknownName'], before + 1);
    await until(() => events.length === 1);
    assert.deepEqual(events, [['button', 'pressed']]);
    sub.unsubscribe();
  });

  it('an action and a property write go to the device and complete with its result', async () => {
    const a = rig.gw.hub.invokeAction('urn:roost:serial:hub-1', 'blink', 4);
    const done = await rig.gw.hub.waitForAction(a.id, 3000);
    const final = done.state === 'delivered' ? await waitFinal(a.id) : done;
    assert.equal(final.state, 'completed');
    assert.equal(final.output, 8);
    const w = rig.gw.hub.writeProperty('urn:roost:serial:hub-1', 'led', true);
    assert.equal((await waitFinal(w.id)).state, 'completed');
    assert.deepEqual(ran.slice(0, 2), [{ name: 'blink', value: 4 }, { name: 'led', value: true }]);
    assert.equal(rig.gw.hub.readProperty('urn:roost:serial:hub-1', 'led')?.value, true);
  });

  it('a device error fails the action with its code and text', async () => {
    const a = rig.gw.hub.invokeAction('urn:roost:serial:hub-1', 'blink', 1000);
    const final = await waitFinal(a.id);
    assert.equal(final.state, 'failed');
    assert.match(final.error ?? '', /device error 1: too many blinks/);
  });

  it('log lines and counters: frames, acks, no drops on a clean line', async () => {
    await mcu.log(0, 2, 'hello from firmware');
    const c = rig.serial.status().counters;
    assert.ok(c['logLines']! >= 1);
    assert.ok(c['framesIn']! > 5 && c['acksOut']! > 5);
    assert.equal(c['droppedBadCrc'], 0);
    assert.equal(rig.serial.status().state, 'running');
  });

  async function waitFinal(id: string): Promise<{ state: string; output?: unknown; error?: string }> {
    const end = Date.now() + 4000;
    for (;;) {
      const v = rig.gw.hub.getAction(id);
      if (!['queued', 'sent', 'delivered'].includes(v.state) || Date.now() > end) return v;
      await sleep(10);
    }
  }
});
