import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialBinding } from '../../../bindings/serial/serial-binding.js';
import { serialOptions } from '../../../bindings/serial/serial-options.js';
import { listNativePorts } from '../../../bindings/serial/serial-transport.js';
import { BindingUnavailableError, ConfigInvalidError } from '../../../protocols/errors.js';
import type { SerialMcu } from '../../../firmware-sim/serial/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { SocatPair } from './socat-pair.js';
import { FAST, attachMcu, until } from './serial-rig.js';

const unit = (id: string) => ({ unit: 0, id, description: { p: { temp: { u: 'Cel' } } } });

/** Runs `fn` with no udevadm on PATH, as on a box without udev. */
async function withoutUdev<T>(fn: () => Promise<T>): Promise<T> {
  const path = process.env['PATH'];
  process.env['PATH'] = '/nonexistent';
  try {
    return await fn();
  } finally {
    process.env['PATH'] = path;
  }
}

describe('serial ports: USB vendor/product matching, several ports, no udev', () => {
  const pairs = [new SocatPair(), new SocatPair()];
  const mcus: SerialMcu[] = [];
  let gw: TestGateway | null = null;
  before(async () => {
    for (const p of pairs) await p.plug();
  });
  after(async () => {
    for (const m of mcus) m.detach();
    await gw?.stop();
    for (const p of pairs) await p.close();
  });

  it('the real port lister answers BindingUnavailableError naming udevadm when udev is absent', async () => {
    await assert.rejects(withoutUdev(() => listNativePorts()), (e: unknown) => e instanceof BindingUnavailableError && /udevadm/.test(e.message));
  });

  it('opens a configured port and a port matched by USB vendor/product id, at once; a listing failure is logged once', async () => {
    let failNext = false;
    const list = async () => {
      if (failNext) return withoutUdev(() => listNativePorts());
      return [
        { path: '/dev/ttyS0' },
        { path: '/dev/roost-no-such-port', vendorId: '10c4', productId: 'ea60' },
        { path: pairs[1]!.gatewayPath, vendorId: '2341', productId: '0043', manufacturer: 'Arduino' },
      ];
    };
    const logs: Array<Record<string, unknown>> = [];
    const binding = new SerialBinding(serialOptions({ ...FAST, ports: [{ path: pairs[0]!.gatewayPath }], usb: [{ vendorId: '2341', productId: '0043', baudRate: 57600 }], scanIntervalMs: 50 }), { list });
    gw = await startTestGateway({}, { extraBindings: [binding], logs });
    mcus.push(await attachMcu(pairs[0]!.devicePath, { units: [unit('cfg-1')] }));
    mcus.push(await attachMcu(pairs[1]!.devicePath, { units: [unit('usb-1')] }));
    await until(() => ['cfg-1', 'usb-1'].every((d) => gw!.hub.listThings().items.some((t) => t.id === `urn:roost:serial:${d}`)), 5000, 'both registered');
    const st = binding.status();
    assert.equal(st.gauges?.['portsOpen'], 2);
    assert.equal(st.gauges?.['portsConfigured'], 2, 'the unmatched USB device and /dev/ttyS0 are not opened');
    assert.equal(st.state, 'running');

    failNext = true;
    await until(() => binding.status().counters['listFailures']! >= 3, 3000, 'several failed scans');
    const warned = logs.filter((l) => l['msg'] === 'serial port listing failed; configured ports still work');
    assert.equal(warned.length, 1);
    assert.match(binding.status().detail ?? '', /udevadm/);
    await mcus[0]!.telemetry(0, { temp: 3.5 });
    await until(() => gw!.hub.readProperty('urn:roost:serial:cfg-1', 'temp')?.value === 3.5);
    failNext = false;
    await until(() => !/udevadm/.test(binding.status().detail ?? ''), 3000, 'listing recovered');
  });

  it('absent hardware: a configured port that does not exist leaves the binding absent, the gateway running', async () => {
    const binding = new SerialBinding(serialOptions({ ...FAST, ports: [{ path: '/dev/roost-absent-port' }] }));
    const g = await startTestGateway({}, { extraBindings: [binding] });
    try {
      await sleep(150);
      const st = g.hub.bindingStatuses()['serial'];
      assert.equal(st?.state, 'absent');
      assert.match(st?.detail ?? '', /roost-absent-port.*No such file/);
      assert.ok(st!.counters['portOpenFailures']! >= 1);
    } finally {
      await g.stop();
    }
  });

  it('the config section is checked against the options schema, naming the bad key', async () => {
    await assert.rejects(
      startTestGateway({ bindings: { serial: { enabled: true, ports: [{ path: '/dev/ttyUSB0', baudRate: 'fast' }] } } }),
      (e: unknown) => e instanceof ConfigInvalidError && /\/bindings\/serial\/ports\/0\/baudRate/.test(e.message),
    );
    await assert.rejects(
      startTestGateway({ bindings: { serial: { enabled: true, usb: [{ vendorId: 'arduino', productId: '0043' }] } } }),
      (e: unknown) => e instanceof ConfigInvalidError && /vendorId/.test(e.message),
    );
  });
});
