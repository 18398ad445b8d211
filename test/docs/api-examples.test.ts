/**
 * docs/api.md stays true: every sh block runs against a gateway with the CoAP binding, a
 * simulated always-on lamp and a simulated sleepy sensor (firmware-sim), as in `make run`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlwaysOnActuator } from '../../firmware-sim/coap/always-on-actuator.js';
import { SleepySensor } from '../../firmware-sim/coap/sleepy-sensor.js';
import { startCoapGateway, type CoapRig } from '../bindings/coap/coap-rig.js';
import { extractExamples, outputMatches, readDoc, runExamples, type ExampleResult } from '../helpers/doc-examples.js';
import { TEST_ADMIN_PASSWORD } from '../helpers/gateway.js';

describe('docs/api.md examples', () => {
  let rig: CoapRig;
  let lamp: AlwaysOnActuator;
  let room: SleepySensor;
  let results: ExampleResult[];
  before(async () => {
    rig = await startCoapGateway();
    lamp = new AlwaysOnActuator({ gateway: { host: rig.gateway.host, port: rig.gateway.port }, ep: 'lamp-0' });
    await lamp.register();
    // The sensor registers, then reports twice with a button press each time (the events examples).
    const presses = ['pressed', 'double'];
    room = new SleepySensor({
      gateway: { host: rig.gateway.host, port: rig.gateway.port }, ep: 'room-0',
      read: () => ({ temp: 21.25, ...(presses.length ? { button: presses.shift()! } : {}) }),
    });
    await room.wake();
    await room.wake();
    await room.wake();
    // The lamp is observed by the binding; its first notification fills the twin.
    lamp.setTemperature(22.5);
    await waitFor(async () => rig.gw.hub.readProperty('urn:roost:coap:lamp-0', 'temp')?.value === 22.5);
    results = await runExamples(extractExamples(readDoc(new URL('../../docs/api.md', import.meta.url))), {
      ROOST: rig.gw.httpUrl!,
      ROOST_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    });
  });
  after(async () => {
    lamp.close();
    room.radio.close();
    await rig.stop();
  });

  it('runs every example with exit status 0 and the output the document shows', () => {
    // ROOST_DOC_DUMP=1 prints what each block printed, to write the expected outputs.
    if (process.env['ROOST_DOC_DUMP']) for (const r of results) process.stderr.write(`--- docs/api.md:${r.example.line} (exit ${r.status})\n${r.output}\n`);
    assert.ok(results.length >= 10, `only ${results.length} examples`);
    for (const r of results) {
      assert.equal(r.status, 0, `example at docs/api.md:${r.example.line} failed:\n${r.output}`);
      if (r.example.expected !== undefined) {
        assert.ok(outputMatches(r.example.expected, r.output), `example at docs/api.md:${r.example.line} printed:\n${r.output}\nbut the document shows:\n${r.example.expected}`);
      }
    }
  });

  it('did what the document says: the lamp blinked twice and its LED is on', () => {
    assert.deepEqual(lamp.blinks, [{ times: 2 }]);
    assert.equal(lamp.led, true);
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
