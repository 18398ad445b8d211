import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { McuUnit, SerialMcu } from '../../../firmware-sim/serial/index.js';
import { attachMcu, settle, startSerialRig, until, type SerialRig } from './serial-rig.js';

const UNITS: McuUnit[] = [
  { unit: 0, id: 'new-1', description: { t: 'New sensor', p: { temp: { u: 'Cel' } } } },
  { unit: 1, id: 'new-2', description: { p: { moisture: { u: '%RH' } } } },
];
const T1 = 'urn:roost:serial:new-1';
const T2 = 'urn:roost:serial:new-2';

describe('serial onboarding: a unit whose device is not approved is not registered', () => {
  let rig: SerialRig;
  let mcu: SerialMcu;
  const hasThing = (id: string) => rig.gw.hub.listThings({ limit: 100 }).items.some((t) => t.id === id);
  const counter = (n: string) => rig.serial.status().counters[n]!;
  /** Telemetry the gateway does not ack fails at the MCU (its registration wait is short here). */
  const notAcked = (unit: number, values: Record<string, number>) => assert.rejects(mcu.telemetry(unit, values));

  before(async () => {
    rig = await startSerialRig({}, { onboarding: { policy: { serial: 'approve' } } });
    mcu = await attachMcu(rig.pty.devicePath, { units: UNITS, registerTimeoutMs: 800 });
    await until(() => rig.gw.hub.onboarding.list('pending').length === 2, 5000, 'two pending devices');
  });
  after(async () => {
    mcu?.detach();
    await rig?.stop();
  });

  it('a hello of an unknown device makes it pending with its hello and description, and no thing', () => {
    const d = rig.gw.hub.onboarding.get('serial', 'new-1');
    assert.equal(d.state, 'pending');
    assert.match(d.seenAs ?? '', /^serial hello on \/.*gw unit 0$/);
    const claims = d.claims as { hello: { id: string; pv: number }; description: { t: string } };
    assert.equal(claims.hello.id, 'new-1');
    assert.equal(claims.hello.pv, 1);
    assert.equal(claims.description.t, 'New sensor');
    assert.match(rig.gw.hub.onboarding.get('serial', 'new-2').seenAs ?? '', / unit 1$/);
    assert.equal(hasThing(T1), false);
    assert.equal(hasThing(T2), false);
    assert.ok(counter('unitsPending') >= 2);
  });

  it('its telemetry is neither acked nor stored; it gets the unknown unit answer; counted', async () => {
    // The MCU first stops re-saying hello for its units (each refused registration ends after its
    // registerTimeoutMs, 800 ms here): while a unit re-registers, the MCU does not send its frames at all.
    await settle(rig.serial, 1000);
    const frames = counter('framesUnadmitted');
    const answers = mcu.counters.unknownAnswers;
    await notAcked(0, { temp: 30 });
    // The MCU may give up (its own ack timeout) before the gateway has read the frame on a loaded machine.
    await until(() => counter('framesUnadmitted') > frames, 5000, 'the frame counted as unadmitted').catch((err: Error) => {
      const st = rig.serial.status();
      throw new Error(`${err.message}; counters ${JSON.stringify(st.counters)}, gauges ${JSON.stringify(st.gauges)}`);
    });
    // The unknown-unit answer is sent at most once per helloTimeoutMs: it may come a little later.
    await until(() => mcu.counters.unknownAnswers > answers, 5000, 'the unknown unit answer');
    assert.equal(hasThing(T1), false);
    assert.equal(rig.gw.hub.onboarding.get('serial', 'new-1').state, 'pending');
  });

  it('once approved the unit registers without waiting for its next reading, and its telemetry is stored and acked', async () => {
    rig.gw.hub.onboarding.approve('serial', 'new-1');
    await until(() => hasThing(T1), 5000, 'new-1 registered');
    await mcu.telemetry(0, { temp: 21.5 });
    assert.equal(rig.gw.hub.readProperty(T1, 'temp')?.value, 21.5);
    // The other unit is still pending.
    assert.equal(hasThing(T2), false);
  });

  it('a rejected device stays unregistered; its readings are not acked', async () => {
    rig.gw.hub.onboarding.reject('serial', 'new-2');
    const refused = counter('unitsRefused');
    await notAcked(1, { moisture: 40 });
    assert.equal(hasThing(T2), false);
    assert.ok(counter('unitsRefused') > refused, 'its hello after the unknown unit answer was refused');
  });

  it('revocation drops the registration at once: the next reading is not acked and does not reach the twin', async () => {
    rig.gw.hub.onboarding.revoke('serial', 'new-1');
    assert.equal(counter('unitsCutOff'), 1);
    assert.equal(rig.gw.hub.getThing(T1).online, false);
    await notAcked(0, { temp: 99 });
    assert.equal(rig.gw.hub.readProperty(T1, 'temp')?.value, 21.5);
    assert.equal(rig.serial.status().gauges?.['unitsRemembered'], 0);
  });

  it('approved again, it registers again', async () => {
    rig.gw.hub.onboarding.approve('serial', 'new-1');
    await until(() => rig.gw.hub.getThing(T1).online, 5000, 'new-1 online again');
    await mcu.telemetry(0, { temp: 22 });
    assert.equal(rig.gw.hub.readProperty(T1, 'temp')?.value, 22);
  });
});
