/**
 * `roost zigbee-sim` as a newcomer uses it: the simulated stick in its own process, a gateway
 * with the Zigbee binding pointed at the port it prints, joining opened through the coordinator
 * thing, then its devices' reports in the gateway; SIGTERM stops it with exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { startTestGateway } from '../../helpers/gateway.js';

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('roost zigbee-sim drives a gateway end to end', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'zigbee-sim', '--port', '0', '--devices', '4', '--interval', '0.3', '--duration', '60'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  try {
    const first = await until('the port line', () => lines.find((l) => l.includes('coordinator at')), 15000);
    const port = /coordinator at (\S+)/.exec(first)?.[1];
    assert.match(port ?? '', /^tcp:\/\/127\.0\.0\.1:\d+$/);
    gw = await startTestGateway({ bindings: { zigbee: { enabled: true, port, configureRetryDelayMs: 100 } } });
    const g = gw;
    await until('binding running', () => g.hub.bindingStatuses()['zigbee']?.state === 'running', 15000);
    await g.hub.waitForAction(g.hub.invokeAction('urn:roost:zigbee:coordinator', 'permitJoin', { durationS: 60 }).id, 5000);
    const identified = () => g.hub.listThings().items.filter((t) => t.binding === 'zigbee' && t.deviceId !== 'coordinator' && !t.nativeTd.title.includes('(interview'));
    await until('four devices identified', () => identified().length === 4, 20000);
    const th = identified().find((t) => t.nativeTd.title.includes('SNZB-02'));
    assert.ok(th, 'the temperature sensor is there');
    await until('temperature readings in history', () => g.hub.history({ thingId: th.id, name: 'temperature' }).length >= 2, 10000);
  } finally {
    await gw?.stop();
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
  assert.ok(lines.includes('zigbee-sim: stopped'));
});
