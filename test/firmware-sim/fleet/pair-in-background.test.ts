/**
 * The runner with pairInBackground (the demo): a device whose power-on pairs for a while does not
 * hold the scenario's clock; the others wake meanwhile, its own due wakes are skipped, and it
 * reports once as soon as it is paired. Without the option the run waits for it. Fake device
 * kinds, no gateway.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceKind, FleetDevice } from '../../../firmware-sim/fleet/device-model.js';
import { FleetRunner } from '../../../firmware-sim/fleet/fleet-runner.js';
import { parseScenario } from '../../../firmware-sim/fleet/scenario.js';

/** Simulated ms of each wake, by device. */
type Wakes = Map<string, number[]>;

function kind(wakes: Wakes, simNow: () => number, pairingMs: number): DeviceKind {
  return {
    binding: 'fake',
    sleepy: true,
    power: 'mains',
    actions: [],
    ...(pairingMs > 0 ? { pairing: true } : {}),
    create: (ctx): FleetDevice => ({
      deviceId: ctx.deviceId,
      thingId: `urn:roost:fake:${ctx.deviceId}`,
      sleepy: true,
      start: () => new Promise((r) => setTimeout(r, pairingMs)),
      wake: () => {
        wakes.set(ctx.deviceId, [...(wakes.get(ctx.deviceId) ?? []), simNow()]);
        return Promise.resolve({ acknowledged: true });
      },
      reboot: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      traffic: () => ({ datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0 }),
    }),
  };
}

const SCENARIO = `
durationS: 2
speed: 1
tickMs: 100
devices:
  - { kind: quick, count: 1, idPrefix: q, wakeIntervalS: 0.2 }
  - { kind: slow, count: 1, idPrefix: z, wakeIntervalS: 0.2 }
`;

async function run(pairInBackground: boolean): Promise<{ wakes: Wakes; startedAfterMs: number }> {
  const wakes: Wakes = new Map();
  let runner: FleetRunner | null = null;
  const now = (): number => (runner as unknown as { simMs: number } | null)?.simMs ?? 0;
  const kinds = { quick: kind(wakes, now, 0), slow: kind(wakes, now, 700) };
  const scenario = parseScenario(SCENARIO, { kinds });
  runner = new FleetRunner({ scenario, kinds, gateway: { host: '127.0.0.1', coapPort: 1 }, pairInBackground });
  const t0 = performance.now();
  await runner.start();
  const startedAfterMs = performance.now() - t0;
  await runner.run();
  await runner.stop();
  return { wakes, startedAfterMs };
}

describe('fleet runner, devices that pair', () => {
  it('in the background: the others run at once, it reports as soon as it is paired', async () => {
    const { wakes, startedAfterMs } = await run(true);
    assert.ok(startedAfterMs < 300, `start() returned after ${startedAfterMs.toFixed(0)} ms, not after the 700 ms pairing`);
    const quick = wakes.get('q-0') ?? [];
    const slow = wakes.get('z-0') ?? [];
    assert.ok(quick.length >= 8 && quick[0]! < 300, `the quick device wakes from the start: ${quick.join(', ')}`);
    assert.ok(slow.length >= 3, `the paired device wakes: ${slow.join(', ')}`);
    assert.ok(slow[0]! >= 400 && slow[0]! <= 1500, `its first wake right after pairing (~700 ms): ${slow[0]}`);
    assert.ok(slow.length < quick.length, 'its wakes due while pairing were skipped, not made up in a burst');
    assert.ok(slow.every((t, i) => i === 0 || t - slow[i - 1]! >= 100), `then on its own schedule: ${slow.join(', ')}`);
  });

  it('without it: the run starts once every device is on', async () => {
    const { wakes, startedAfterMs } = await run(false);
    assert.ok(startedAfterMs >= 650, `start() waited for the pairing: ${startedAfterMs.toFixed(0)} ms`);
    assert.ok((wakes.get('z-0')?.[0] ?? Infinity) < 300, 'the paired device keeps its first scheduled wake');
  });
});
