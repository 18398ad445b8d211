import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { SerialMcu } from '../../../firmware-sim/serial/index.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';
import { SocatPair } from '../../bindings/serial/socat-pair.js';
import { attachMcu, until } from '../../bindings/serial/serial-rig.js';
import { FakeTree } from './fake-tree.js';

const BY_ID = 'usb-1a86_USB_Serial-if00-port0';

describe('hardware detection: a pty hot-plugged under a by-id name starts the serial binding', () => {
  const tree = new FakeTree();
  const pty = new SocatPair();
  let gw: TestGateway;
  let mcu: SerialMcu | undefined;
  let token: string;
  const logs: Array<Record<string, unknown>> = [];

  before(async () => {
    gw = await startTestGateway({ detect: { enabled: true, sysDir: tree.sysDir, devDir: tree.devDir, scanIntervalMs: 100 } }, { logs });
    const res = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    token = ((await res.json()) as { token: string }).token;
  });
  after(async () => {
    mcu?.detach();
    await gw?.stop();
    await pty.close();
    tree.remove();
  });

  it('nothing plugged: no serial binding', () => {
    assert.equal(gw.binding('serial'), undefined);
    assert.deepEqual(gw.admin.detector!.current().adapters, []);
  });

  it('plugging a CH340 (fake sysfs) whose by-id link points at a real pty enables serial; a device on it registers', async () => {
    await pty.plug();
    tree.plugUsb({ byId: BY_ID, target: realpathSync(pty.gatewayPath), vendorId: '1a86', productId: '7523', product: 'USB Serial' });
    await until(() => gw.binding('serial')?.status().state === 'running', 5000, 'serial binding running');
    mcu = await attachMcu(pty.devicePath, { fw: '1.0.0', units: [{ unit: 0, id: 'hotplug-1', description: { p: { temp: { u: 'Cel' } } } }] });
    await until(() => gw.hub.listThings().items.some((t) => t.id === 'urn:roost:serial:hotplug-1'), 8000, 'thing registered');
    const health = (await (await fetch(`${gw.httpUrl}/healthz`)).json()) as { bindings: Record<string, string>; detected: Array<{ id: string; binding: string; decision: string }> };
    assert.equal(health.bindings['serial'], 'running');
    assert.equal(health.detected.length, 1);
    assert.deepEqual({ b: health.detected[0]!.binding, d: health.detected[0]!.decision }, { b: 'serial', d: 'enabled' });
    const metrics = await (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.match(metrics, /roost_detected_adapters\{binding="serial",decision="enabled"\} 1/);
    const adapters = (await (await fetch(`${gw.httpUrl}/gateway/adapters`, { headers: { authorization: `Bearer ${token}` } })).json()) as { managed: Record<string, unknown> };
    assert.deepEqual(Object.keys(adapters.managed), ['serial']);
    assert.ok(logs.some((l) => l['msg'] === 'adapter detection enabled a binding' && l['binding'] === 'serial'));
    assert.ok(logs.some((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('adapter enabled: WCH CH340')));
  });

  it('unplugging removes the by-id link: the binding detection started is stopped, and says why', async () => {
    tree.unplugUsb(BY_ID);
    await until(() => gw.binding('serial') === undefined, 5000, 'serial binding stopped');
    const s = gw.hub.bindingStatuses()['serial']!;
    assert.deepEqual({ state: s.state, detail: s.detail }, { state: 'stopped', detail: 'its adapter was removed' });
  });
});
