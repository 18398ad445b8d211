/**
 * Real @stoprocent/noble on a machine without Bluetooth: the binding loads through the registry,
 * reports `absent` instead of throwing, the gateway keeps running, and stop() releases noble
 * (the test process would not exit otherwise).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigInvalidError } from '../../../protocols/errors.js';
import { startTestGateway } from '../../helpers/gateway.js';
import { until } from './btvirt-rig.js';

test('no adapter: the ble binding from config reports absent and the gateway runs', async () => {
  const gw = await startTestGateway({ bindings: { ble: { enabled: true } } });
  try {
    await until('adapter state', () => /unsupported|poweredOff|unknown/.test(String(gw.binding('ble')?.status().detail)), 5000);
    const s = gw.hub.bindingStatuses()['ble'];
    assert.equal(s?.state, 'absent');
    assert.equal(gw.hub.bindingStatuses()['system']?.state, 'running');
  } finally {
    await gw.stop();
  }
});

test('bad BLE config is refused with the key named', async () => {
  await assert.rejects(
    startTestGateway({ bindings: { ble: { enabled: true, bindKeys: { 'aa:bb:cc:dd:ee:ff': 'not-a-key' } } } }),
    (err: unknown) => err instanceof ConfigInvalidError && /bindKeys/.test(err.message),
  );
  await assert.rejects(
    startTestGateway({ bindings: { ble: { enabled: true, maxConnections: 0 } } }),
    (err: unknown) => err instanceof ConfigInvalidError && /maxConnections/.test(err.message),
  );
});

test('the uart driver without a port is a config error, reported as the binding error', async () => {
  const gw = await startTestGateway({ bindings: { ble: { enabled: true, adapter: { driver: 'uart' } } } });
  try {
    const s = gw.hub.bindingStatuses()['ble'];
    assert.notEqual(s?.state, 'running');
    assert.match(String(s?.detail), /uartPort/);
  } finally {
    await gw.stop();
  }
});
