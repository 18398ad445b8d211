/**
 * firmware-sim's CoAP devices enrolling with EDHOC against a real gateway over real UDP (`security:
 * required`, onboarding by key): the sleepy sensor's unknown key becomes a pending device with its
 * fingerprint, is approved, enrols with message_3 in its registration (RFC 9668), keeps its context
 * across wakes, and after a reboot enrols again (the old context is dropped by the gateway); suite 0
 * and suite 2; the always-on actuator enrols, registers and serves the gateway's protected action.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlwaysOnActuator } from '../../../firmware-sim/coap/always-on-actuator.js';
import { DeviceEdhoc, EdhocRefusedError, edhocDeviceKey } from '../../../firmware-sim/coap/edhoc-device.js';
import { SleepySensor } from '../../../firmware-sim/coap/sleepy-sensor.js';
import { startCoapGateway, type CoapRig } from '../../bindings/coap/coap-rig.js';

describe('firmware-sim CoAP devices enrolled by EDHOC', () => {
  let rig: CoapRig;
  let pins: string[];
  before(async () => {
    rig = await startCoapGateway({ security: 'required', awakeWindowMs: 200 }, {}, { onboarding: { defaultPolicy: 'approve' } });
    pins = rig.coap.edhocIdentity().map((c) => c.fingerprint);
  });
  after(async () => {
    await rig.stop();
  });

  for (const [suite, method] of [[2, 3], [0, 3], [0, 0]] as const) {
    it(`sleepy sensor, suite ${suite} method ${method}: pending by key, approved, enrols once across wakes, again after a reboot`, async () => {
      const ep = `es-${suite}-${method}`;
      const edhoc = new DeviceEdhoc({ auth: edhocDeviceKey(suite, method, ep), method, suites: [suite], pins });
      let temp = 20;
      const make = () => new SleepySensor({ gateway: rig.gateway, ep, read: () => ({ temp }), edhoc });
      let sensor = make();
      await assert.rejects(sensor.wake(), (err: Error) => err instanceof EdhocRefusedError && err.code === '4.03' && /pending approval/.test(err.message));
      const pending = rig.gw.hub.onboarding.list('pending').find((p) => p.deviceId === ep);
      assert.equal(pending?.claims?.['publicKeySha256'], edhoc.opts.auth.credential.fingerprint);
      rig.gw.hub.onboarding.approve('coap', ep);

      const first = await sensor.wake();
      assert.ok(sensor.registered);
      assert.equal(first.enrolments, 1);
      // message_1/message_2 in one round trip, message_3 with the registration: two exchanges in all.
      assert.equal(first.exchanges + edhoc.stats.roundTrips - 1, 2);
      assert.equal(edhoc.stats.combinedBytes > 0, true);
      for (temp = 21; temp < 24; temp++) {
        const rep = await sensor.wake();
        assert.equal(rep.enrolments, 0, 'the context is kept across sleeps');
        assert.equal(rep.exchanges, 1);
      }
      assert.equal(rig.gw.hub.readProperty(`urn:roost:coap:${ep}`, 'temp')?.value, 23);
      assert.equal(edhoc.stats.enrolments, 2);

      const old = sensor.oscore!;
      sensor = make(); // a reboot: the context was in RAM
      temp = 30;
      const again = await sensor.wake();
      assert.equal(again.enrolments, 1);
      assert.equal((await sensor.wake()).enrolments, 0);
      assert.equal(rig.gw.hub.readProperty(`urn:roost:coap:${ep}`, 'temp')?.value, 30);
      assert.notEqual(sensor.oscore!.context.senderId.toString('hex'), old.context.senderId.toString('hex'));
      assert.equal(edhoc.stats.failures, 1, 'only the pending attempt failed');
      // The context before the reboot is gone at the gateway too: the new enrolment replaced it.
      const stale = await old.request(sensor.radio, rig.gateway, { method: 'POST', path: ['t', ep], contentFormat: 60, payload: Buffer.from([0xa0]) });
      assert.equal(stale.protected, false);
      assert.equal(stale.code, '4.01');
      sensor.radio.close();
    });
  }

  it('a device that pins another key refuses the gateway (its own check, before message_3)', async () => {
    const edhoc = new DeviceEdhoc({ auth: edhocDeviceKey(2, 3, 'wrong-pin'), method: 3, suites: [2], pins: ['00'.repeat(32)] });
    const sensor = new SleepySensor({ gateway: rig.gateway, ep: 'wrong-pin', edhoc });
    await assert.rejects(sensor.wake(), EdhocRefusedError);
    assert.equal(rig.gw.hub.onboarding.list('pending').some((p) => p.deviceId === 'wrong-pin'), false, 'the gateway never saw message_3');
    sensor.radio.close();
  });

  it('trust on first use: no pins, the first gateway key is pinned and kept across reboots', async () => {
    const auth = edhocDeviceKey(2, 3, 'tofu-1');
    rig.gw.hub.onboarding.importManifest([{ binding: 'coap', deviceId: 'tofu-1', credentials: { publicKeySha256: auth.credential.fingerprint } }]);
    const edhoc = new DeviceEdhoc({ auth, method: 3, suites: [2], pins: [] });
    const sensor = new SleepySensor({ gateway: rig.gateway, ep: 'tofu-1', edhoc });
    await sensor.wake();
    const pinned = edhoc.memory.pinnedOnFirstUse;
    assert.ok(pins.includes(pinned!));
    const rebooted = new SleepySensor({ gateway: rig.gateway, ep: 'tofu-1', radio: sensor.radio, edhoc: new DeviceEdhoc({ ...edhoc.opts, memory: edhoc.memory }) });
    assert.equal((await rebooted.wake()).enrolments, 1);
    assert.equal(edhoc.memory.pinnedOnFirstUse, pinned);
    sensor.radio.close();
  });

  it('always-on actuator: enrols, registers in the combined request, serves the gateway\'s protected action', async () => {
    const auth = edhocDeviceKey(0, 0, 'lamp-e');
    rig.gw.hub.onboarding.importManifest([{ binding: 'coap', deviceId: 'lamp-e', credentials: { publicKeySha256: auth.credential.fingerprint } }]);
    const edhoc = new DeviceEdhoc({ auth, method: 0, suites: [0], pins });
    const lamp = new AlwaysOnActuator({ gateway: rig.gateway, ep: 'lamp-e', edhoc });
    try {
      await lamp.register();
      assert.equal(edhoc.stats.enrolments, 1);
      assert.equal(await lamp.postTemperature(22.5), '2.04');
      const h = rig.gw.hub.invokeAction('urn:roost:coap:lamp-e', 'blink', { times: 2 });
      for (let i = 0; i < 100 && lamp.blinks.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(lamp.blinks, [{ times: 2 }]);
      assert.equal(lamp.oscore!.stats.served, 1);
      assert.ok(h.id);
    } finally {
      lamp.close();
    }
  });
});
