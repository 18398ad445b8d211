/**
 * The binding without a coordinator: the module loads its options with defaults, the
 * coordinator thing validates, and an absent stick is reported (`absent`) while the gateway
 * keeps running.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { BINDING_MODULES } from '../../../gateway/binding-registry.js';
import { assertValidTd } from '../../../gateway/td/td-validator.js';
import { coordinatorTd } from '../../../bindings/zigbee/coordinator-td.js';
import { deviceIdOf } from '../../../bindings/zigbee/device-requests.js';
import { optionsSchema } from '../../../bindings/zigbee/zigbee-options.js';
import { startTestGateway } from '../../helpers/gateway.js';

test('options: defaults fill in, bad values are refused', () => {
  const validate = new Ajv({ useDefaults: true, strict: false }).compile(optionsSchema);
  const o: Record<string, unknown> = {};
  assert.equal(validate(o), true);
  assert.equal(o['port'], '/dev/ttyACM0');
  assert.equal(o['adapter'], 'zstack');
  assert.equal(validate({ channel: 27 }), false);
  assert.equal(validate({ port: 'tcp://127.0.0.1:6638', unknownKey: 1 }), false);
});

test('the coordinator TD validates; device ids are the IEEE address in hex', () => {
  assertValidTd(coordinatorTd());
  assert.equal(deviceIdOf('0x00124B0012345678'), '00124b0012345678');
  assert.ok(BINDING_MODULES['zigbee'], 'registered in the binding table');
});

test('an absent coordinator stick: status absent, coordinator offline, the gateway keeps running', async () => {
  const gw = await startTestGateway({ bindings: { zigbee: { enabled: true, port: '/dev/roost-no-such-zigbee-stick', reconnectDelayMs: 60000 } } });
  try {
    const s = gw.hub.bindingStatuses()['zigbee'];
    assert.equal(s?.state, 'absent');
    assert.match(s?.detail ?? '', /roost-no-such-zigbee-stick/);
    assert.equal(gw.hub.getThing('urn:roost:zigbee:coordinator').online, false);
    assert.equal(gw.hub.bindingStatuses()['system']?.state, 'running');
    const v = gw.hub.invokeAction('urn:roost:zigbee:coordinator', 'permitJoin', { durationS: 10 });
    const after = await gw.hub.waitForAction(v.id, 200);
    assert.notEqual(after.state, 'completed', 'no coordinator, no permit join');
  } finally {
    await gw.stop();
  }
});
