/**
 * firmware-sim's sleepy CoAP sensor against a real gateway: it registers again when the gateway
 * answers 4.04 (it forgot the device), and it runs an item that is delivered twice (its result was
 * lost) only once, answering the repeat from memory, also across a reboot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { SleepySensor } from '../../../firmware-sim/coap/sleepy-sensor.js';
import { SimRadio, type Address, type SimRequest, type SimResponse } from '../../../firmware-sim/coap/sim-radio.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

const coapConfig = { bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, awakeWindowMs: 100 } }, queue: { resultTimeoutMs: 200 } };

function coapAddress(gw: TestGateway): Address {
  const at = (gw.binding('coap') as CoapBinding).listening!;
  return { host: at.address, port: at.port };
}

/** A radio whose next result post is lost in the air (never sent; the device sees a timeout). */
class LossyRadio extends SimRadio {
  loseNextResult = false;
  override request(to: Address, req: SimRequest): Promise<SimResponse> {
    if (this.loseNextResult && req.path[0] === 'a') {
      this.loseNextResult = false;
      return Promise.reject(new Error('result lost on air'));
    }
    return super.request(to, req);
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('firmware-sim SleepySensor and the device contract', () => {
  it('registers again when the gateway answers 4.04, and its readings of that wake still arrive', async () => {
    const first = await startTestGateway(coapConfig);
    const gateway = coapAddress(first);
    const sensor = new SleepySensor({ gateway, ep: 'forgotten', read: () => ({ temp: 21.5 }) });
    await sensor.wake();
    assert.ok(sensor.registered);
    await first.stop();
    // A new gateway with empty data (a replaced box) knows nothing of the device.
    const second = await startTestGateway(coapConfig);
    try {
      Object.assign(gateway, coapAddress(second));
      await sensor.wake();
      assert.equal(sensor.reregistrations, 1);
      const temp = second.hub.readProperty('urn:roost:coap:forgotten', 'temp');
      assert.equal(temp?.value, 21.5);
    } finally {
      await second.stop();
    }
  });

  it('runs an item once when it is delivered again after its result was lost, also across a reboot', async () => {
    const gw = await startTestGateway(coapConfig);
    try {
      const radio = new LossyRadio();
      const runs: string[] = [];
      const done = new Map<string, Buffer>();
      const make = () => new SleepySensor({ gateway: coapAddress(gw), ep: 'dedupe', radio, done, onItem: (item) => { runs.push(item.id); return 'ran'; } });
      let sensor = make();
      await sensor.wake();
      const item = gw.hub.invokeAction('urn:roost:coap:dedupe', 'blink', { times: 1 });
      radio.loseNextResult = true;
      await assert.rejects(sensor.wake(), /result lost on air/);
      assert.deepEqual(runs, [item.id]);
      await until(() => gw.hub.getAction(item.id).state === 'queued'); // no result within resultTimeoutMs: it goes out again
      sensor = make(); // the device rebooted meanwhile; its list of done ids is kept in flash
      await sensor.wake();
      assert.deepEqual(runs, [item.id], 'the repeat was answered from memory, not run again');
      assert.equal(sensor.repeatsDropped, 1);
      const view = gw.hub.getAction(item.id);
      assert.equal(view.state, 'completed');
      assert.equal(view.output, 'ran');
      assert.equal(view.attempts, 2);
    } finally {
      await gw.stop();
    }
  });
});
