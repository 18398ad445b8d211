import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BusMessage } from '../../../gateway/hub/types.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, tempDir } from '../../helpers/gateway.js';

const SYSTEM = 'urn:roost:system:gateway';

describe('system binding', () => {
  it('exposes the appliance as a thing with real figures', async () => {
    const gw = await startTestGateway();
    const v = gw.hub.readAllProperties(SYSTEM);
    assert.ok((v['uptimeS']?.value as number) > 0);
    assert.equal((v['loadAverage']?.value as number[]).length, 3);
    const mem = v['memory']?.value as { totalBytes: number; freeBytes: number; gatewayRssBytes: number };
    assert.ok(mem.totalBytes > mem.freeBytes && mem.gatewayRssBytes > 1e6);
    assert.ok((v['diskFreeBytes']?.value as number) > 0);
    assert.deepEqual(v['bindings']?.value, { system: 'running', agent: 'running', ingest: 'running' });
    await gw.stop();
  });

  it('reads the CPU temperature from the first readable thermal zone, and only offers it when readable', async () => {
    const thermal = tempDir();
    mkdirSync(join(thermal, 'thermal_zone0'));
    writeFileSync(join(thermal, 'thermal_zone0', 'temp'), '47250\n');
    const gw = await startTestGateway({ bindings: { system: { thermalDir: thermal } } });
    assert.equal(gw.hub.readProperty(SYSTEM, 'cpuTemperatureC')?.value, 47.25);
    await gw.stop();
    const none = await startTestGateway({ bindings: { system: { thermalDir: join(thermal, 'missing') } } });
    const props = none.hub.getThing(SYSTEM).nativeTd['properties'] as Record<string, unknown>;
    assert.equal(props['cpuTemperatureC'], undefined);
    await none.stop();
  });

  it('restarts a binding through its action and reports the state change as an event', async () => {
    const dev = new TestDeviceBinding();
    let starts = 0;
    const start = dev.start.bind(dev);
    dev.start = async (ctx) => {
      starts++;
      await start(ctx);
    };
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    const events: BusMessage[] = [];
    gw.hub.subscribe((m) => void events.push(m), { types: ['event'], thingId: SYSTEM });
    const a = gw.hub.invokeAction(SYSTEM, 'restartBinding', { name: 'testdev' });
    const done = await gw.hub.waitForAction(a.id, 3000);
    assert.equal(done.state, 'completed');
    assert.deepEqual(done.output, { name: 'testdev', state: 'running' });
    assert.equal(starts, 2);
    const bad = await gw.hub.waitForAction(gw.hub.invokeAction(SYSTEM, 'restartBinding', { name: 'zigbee' }).id, 3000);
    assert.equal(bad.state, 'failed');
    assert.match(bad.error ?? '', /no binding zigbee/);
    // A state change between samples fires bindingStateChanged.
    await gw.binding('system')?.stop();
    await gw.restartBinding('system');
    dev.ctx = null; // the test device now reports `stopped`
    await (gw.binding('system') as unknown as { sample(): Promise<void> }).sample();
    await new Promise((r) => setTimeout(r, 5));
    const changed = events.find((e) => e.type === 'event' && e.name === 'bindingStateChanged');
    assert.deepEqual(changed && changed.type === 'event' ? changed.data : null, { name: 'testdev', from: 'running', to: 'stopped' });
    await gw.stop();
  });
});
