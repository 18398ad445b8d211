/**
 * The kill -9 harness (docs/durability.md): a gateway in a child process under mixed load (sleepy
 * CoAP devices posting readings with CON and taking queued actions and property writes, a serial
 * MCU posting readings over a pty, a consumer queueing items over HTTP), killed with SIGKILL at
 * seeded random moments and started again on the same data directory, several rounds. Then the
 * load drains against the last gateway and the findings of verify.ts are computed. Used by
 * kill9.integration.test.ts (a few rounds) and bench/durability/soak.ts (many).
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Prng } from '../../firmware-sim/fleet/prng.js';
import { tempDir } from '../helpers/gateway.js';
import { Commander, HubHttp } from './commander.js';
import { GatewayChild } from './gateway-child.js';
import { SerialFeeder } from './serial-feeder.js';
import { SleepyDevice, type DeviceTiming } from './sleepy-device.js';
import { checkItems, checkReadings, type Findings, type ItemTarget, type ReadingSource } from './verify.js';

export interface HarnessOptions {
  seed: string | number;
  /** Kills (each followed by a restart on the same data dir). */
  rounds: number;
  coapDevices: number;
  serialDevices: number;
  /** Time the gateway runs under load before each kill (and before the drain), uniform. */
  upMs: { min: number; max: number };
  /** Time between the kill and the next start, uniform. */
  downMs: { min: number; max: number };
  /** Longest wait, after the last restart, for every queued item to reach a final state. */
  drainTimeoutMs: number;
  /** Progress lines (stderr in the soak, nothing in the test). */
  log?: (line: string) => void;
}

export const TEST_OPTIONS: Omit<HarnessOptions, 'seed' | 'rounds'> = {
  coapDevices: 12,
  serialDevices: 1,
  upMs: { min: 1200, max: 3000 },
  downMs: { min: 0, max: 300 },
  drainTimeoutMs: 15000,
};

export interface Figures {
  rounds: number;
  durationMs: number;
  /** Spawn to /healthz 200, every start. */
  readyMs: number[];
  /** SIGKILL to /healthz 200 of the next gateway, every restart. */
  killToReadyMs: number[];
  coapReadingsAcked: number;
  serialReadingsAcked: number;
  serialReadingsUnacked: number;
  commands: { acked: number; refused: number; uncertain: number };
  /** Why commands were refused or uncertain: HTTP status or error text, with counts. */
  commandOutcomes: Record<string, number>;
  deliveries: number;
  /** Deliveries of an id the device had seen (answered from its memory, not run again). */
  repeats: number;
  executed: number;
  registrations: number;
  coap: { uplinks: number; noAnswer: number; retransmissions: number; separateResponses: number; nonAnswers: number; pushes: number; nonPosts: number; resultsLost: number };
  /** Acked items still not final at the end of the drain. */
  notFinal: number;
}

export interface HarnessReport {
  seed: string;
  figures: Figures;
  findings: Findings & {
    /** Promise 2: 4.04 to an uplink of a registered device. */
    registrationLost: Array<{ thingId: string; round: number; uplink: string }>;
    /** Things missing from the directory after the last restart. */
    thingsMissing: string[];
    /** Answers the devices did not expect. */
    unexpected: string[];
  };
}

const PASSWORD = 'kill9-admin-password';

export function gatewayConfig(serialPaths: readonly string[]): Record<string, unknown> {
  return {
    log: { level: 'info' },
    http: { host: '127.0.0.1', port: 0, syncWaitMs: 0 },
    mqtt: { enabled: false },
    auth: { adminPassword: PASSWORD },
    store: { synchronous: 'full', maxHistoryQueryRows: 1000000 },
    queue: { resultTimeoutMs: 2000, deliveryTimeoutMs: 3000, maxAttempts: 50 },
    bindings: {
      system: { enabled: false },
      coap: { enabled: true, host: '127.0.0.1', port: 0, security: 'none', registrationsPerMinutePerAddress: 1000000, awakeWindowMs: 150, ackTimeoutMs: 300, maxRetransmit: 2 },
      ...(serialPaths.length ? {
        serial: {
          enabled: true, ports: serialPaths.map((path) => ({ path })),
          ackTimeoutMs: 100, maxRetries: 3, reconnectMinMs: 50, reconnectMaxMs: 400, presenceCheckMs: 200, helloTimeoutMs: 300, resultTimeoutMs: 3000,
        },
      } : {}),
    },
  };
}

const LOAD_TIMING: DeviceTiming = { wakeMinMs: 100, wakeMaxMs: 400, listenMs: 200, updateShare: 0.15, nonShare: 0.25, resultLoss: 0.1 };
const DRAIN_TIMING: DeviceTiming = { ...LOAD_TIMING, wakeMinMs: 50, wakeMaxMs: 150, updateShare: 0, resultLoss: 0 };
const FINAL = new Set(['completed', 'failed', 'expired', 'superseded', 'cancelled']);

async function until<T>(what: string | (() => string), ms: number, probe: () => Promise<T | null | false>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`${typeof what === 'string' ? what : what()}: not within ${ms} ms`);
    await sleep(100);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export function summary(r: HarnessReport): string {
  const f = r.figures;
  const x = r.findings;
  return [
    `kill -9 harness, seed ${r.seed}: ${f.rounds} kills in ${(f.durationMs / 1000).toFixed(1)} s`,
    `restart: kill to /healthz median ${median(f.killToReadyMs).toFixed(0)} ms (max ${Math.max(...f.killToReadyMs).toFixed(0)}); spawn to /healthz median ${median(f.readyMs).toFixed(0)} ms`,
    `readings acknowledged: CoAP ${f.coapReadingsAcked}, serial ${f.serialReadingsAcked} (serial unacknowledged ${f.serialReadingsUnacked}); lost ${x.readingsLost.length}`,
    `items: ${f.commands.acked} queued, ${f.commands.uncertain} uncertain, ${f.commands.refused} refused; executed ${f.executed}, delivered ${f.deliveries} (${f.repeats} repeats); lost ${x.itemsLost.length}, executed twice ${x.executedTwice.length}, out of order ${x.outOfOrder.length}, wrong ${x.itemsWrong.length}, not final ${f.notFinal}`,
    `not queued: ${JSON.stringify(f.commandOutcomes)}`,
    `registrations: ${f.registrations}, lost ${x.registrationLost.length}, things missing ${x.thingsMissing.length}`,
    `coap: ${f.coap.uplinks} uplinks, ${f.coap.noAnswer} unanswered, ${f.coap.retransmissions} retransmissions, ${f.coap.separateResponses} separate responses, ${f.coap.pushes} pushed requests, ${f.coap.nonPosts} readings posts sent NON (${f.coap.nonAnswers} NON answers), ${f.coap.resultsLost} results lost on purpose`,
  ].join('\n');
}

export { median };

function tally(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** Runs the rounds and the checks. Throws only when the harness itself cannot run (the gateway never comes up). */
export async function runKill9(opts: HarnessOptions): Promise<HarnessReport> {
  const seed = String(opts.seed);
  const log = opts.log ?? (() => undefined);
  const rng = new Prng(`kill9/${seed}`);
  const t0 = performance.now();
  const dir = tempDir('roost-kill9-');
  let round = 0;
  const roundNow = (): number => round;
  const feeders = Array.from({ length: opts.serialDevices }, (_, i) => new SerialFeeder(`kill9-mcu-${i}`, rng.fork(`serial-${i}`), roundNow, { min: 10, max: 40 }));
  const devices: SleepyDevice[] = [];
  const commanders: Commander[] = [];
  let gw: GatewayChild | null = null;
  // The gateway must not outlive the test process: on exit, and on a signal (then the signal again).
  const onExit = (): void => gw?.killNow();
  const onSignal = (signal: NodeJS.Signals): void => {
    onExit();
    process.kill(process.pid, signal);
  };
  process.on('exit', onExit);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    for (const f of feeders) await f.plug();
    gw = new GatewayChild({ dir, config: gatewayConfig(feeders.map((f) => f.gatewayPath)) });
    const g = gw;
    const readyMs: number[] = [(await g.start()).readyMs];
    const timeline = { readyAt: [performance.now()], killedAt: [] as number[] };
    const killToReadyMs: number[] = [];
    const http = new HubHttp(() => (g.up ? g.httpUrl : null), PASSWORD);
    log(`gateway up in ${readyMs[0]!.toFixed(0)} ms (pid ${g.pid})`);

    // The devices are known beforehand, as from a vendor's manifest (onboarding policy `approve`).
    const manifest = [
      ...Array.from({ length: opts.coapDevices }, (_, i) => ({ binding: 'coap', deviceId: `kill9-dev-${i}` })),
      ...feeders.map((f) => ({ binding: 'serial', deviceId: f.id })),
    ];
    const imported = await http.call('POST', '/devices/manifest', manifest);
    if (imported.status !== 200) throw new Error(`POST /devices/manifest answered ${imported.status} ${await imported.text()}`);
    await imported.arrayBuffer();

    const coap = { port: () => g.coapPort, ackTimeoutMs: 300, maxRetransmit: 3, separateTimeoutMs: 5000 };
    for (let i = 0; i < opts.coapDevices; i++) devices.push(await SleepyDevice.create(`kill9-dev-${i}`, i % 3 === 2, coap, rng.fork(`dev-${i}`), LOAD_TIMING, roundNow));
    await Promise.all(devices.map((d) => until(() => `registration of ${d.ep} (its last unexpected answer: ${d.unexpected.at(-1) ?? 'none'})`, 20000, () => d.register())));
    for (const f of feeders) {
      await f.attach();
      await until(`serial thing ${f.thingId} in the directory`, 20000, async () => (await http.json(`/things/${encodeURIComponent(f.thingId)}`)).status === 200);
      f.start();
    }
    for (const d of devices) {
      d.start();
      const c = new Commander(d.thingId, http, rng.fork(`cmd-${d.ep}`), { min: 300, max: 900 }, 0.3, () => g.up, roundNow);
      commanders.push(c);
      c.start();
    }
    const killRng = rng.fork('kills');
    for (let r = 1; r <= opts.rounds; r++) {
      const upFor = killRng.uniform(opts.upMs.min, opts.upMs.max);
      const downFor = killRng.uniform(opts.downMs.min, opts.downMs.max);
      await sleep(upFor);
      const killedAt = performance.now();
      timeline.killedAt.push(killedAt);
      await g.kill9();
      round = r;
      await sleep(downFor);
      readyMs.push((await g.start()).readyMs);
      timeline.readyAt.push(performance.now());
      killToReadyMs.push(performance.now() - killedAt);
      log(`round ${r}/${opts.rounds}: killed after ${upFor.toFixed(0)} ms of load, up again ${killToReadyMs.at(-1)!.toFixed(0)} ms later`);
    }
    await sleep(killRng.uniform(opts.upMs.min, opts.upMs.max));

    // Drain: no new commands; devices wake often until every queued item is final.
    await Promise.all(commanders.map((c) => c.stop()));
    for (const d of devices) d.setTiming(DRAIN_TIMING);
    const targets = devices.map((d, i) => ({ d, commands: commanders[i]!.commands }));
    const hubState = new Map<string, string>();
    const pendingIds = (): string[] => targets.flatMap((t) => t.commands.filter((c) => c.state === 'acked' && !FINAL.has(hubState.get(c.id!) ?? ''))).map((c) => c.id!);
    const drainEnd = Date.now() + opts.drainTimeoutMs;
    for (;;) {
      for (const id of pendingIds()) {
        const { status, body } = await http.json<{ state?: string; error?: string }>(`/actions/${encodeURIComponent(id)}`);
        hubState.set(id, status === 200 ? body.state ?? 'no state' : `HTTP ${status}`);
      }
      if (pendingIds().length === 0 || Date.now() > drainEnd) break;
      await sleep(300);
    }
    const notFinal = pendingIds().length;
    log(`drained: ${notFinal} items not final`);
    await Promise.all([...devices.map((d) => d.stop()), ...feeders.map((f) => f.stop())]);

    // What the last gateway holds.
    const history = async (thingId: string): Promise<Set<number>> => {
      const { status, body } = await http.json<{ truncated: boolean; items: Array<{ value: unknown }> }>(`/things/${encodeURIComponent(thingId)}/properties/temp/history?from=0&limit=1000000`);
      if (status !== 200) return new Set();
      if (body.truncated) throw new Error(`history of ${thingId} truncated`);
      return new Set(body.items.map((i) => Number(i.value)));
    };
    const sources: ReadingSource[] = [];
    for (const d of devices) sources.push({ thingId: d.thingId, acked: d.acked, history: await history(d.thingId) });
    for (const f of feeders) sources.push({ thingId: f.thingId, acked: f.acked, history: await history(f.thingId) });
    const thingsMissing: string[] = [];
    for (const t of [...devices.map((d) => d.thingId), ...feeders.map((f) => f.thingId)]) {
      if ((await http.json(`/things/${encodeURIComponent(t)}`)).status !== 200) thingsMissing.push(t);
    }
    await g.stop();

    const items: ItemTarget[] = targets.map((t) => ({ thingId: t.d.thingId, commands: t.commands, executed: t.d.executed, hubState }));
    const all = commanders.flatMap((c) => c.commands);
    return {
      seed,
      figures: {
        rounds: opts.rounds,
        durationMs: performance.now() - t0,
        readyMs,
        killToReadyMs,
        coapReadingsAcked: devices.reduce((n, d) => n + d.acked.length, 0),
        serialReadingsAcked: feeders.reduce((n, f) => n + f.acked.length, 0),
        serialReadingsUnacked: feeders.reduce((n, f) => n + f.counters.unacked, 0),
        commands: { acked: all.filter((c) => c.state === 'acked').length, refused: all.filter((c) => c.state === 'refused').length, uncertain: all.filter((c) => c.state === 'uncertain').length },
        commandOutcomes: tally(all.filter((c) => c.state !== 'acked').map((c) => `${c.state}: ${(c.detail ?? '').slice(0, 60)}`)),
        deliveries: devices.reduce((n, d) => n + d.deliveries.length, 0),
        repeats: devices.reduce((n, d) => n + d.deliveries.filter((x) => x.repeat).length, 0),
        executed: devices.reduce((n, d) => n + d.executed.length, 0),
        registrations: devices.reduce((n, d) => n + d.counters.registrations, 0),
        coap: {
          uplinks: devices.reduce((n, d) => n + d.counters.uplinks, 0),
          noAnswer: devices.reduce((n, d) => n + d.counters.noAnswer, 0),
          retransmissions: devices.reduce((n, d) => n + d.coapCounters.retransmissions, 0),
          separateResponses: devices.reduce((n, d) => n + d.coapCounters.separateResponses, 0),
          nonAnswers: devices.reduce((n, d) => n + d.coapCounters.nonAnswers, 0),
          pushes: devices.reduce((n, d) => n + d.coapCounters.incoming, 0),
          nonPosts: devices.reduce((n, d) => n + d.counters.nonPosts, 0),
          resultsLost: devices.reduce((n, d) => n + d.counters.resultsLost, 0),
        },
        notFinal,
      },
      findings: {
        readingsLost: checkReadings(sources, timeline),
        ...checkItems(items),
        registrationLost: devices.flatMap((d) => d.registrationLost.map((x) => ({ thingId: d.thingId, ...x }))),
        thingsMissing,
        unexpected: devices.flatMap((d) => d.unexpected.map((u) => `${d.ep}: ${u}`)),
      },
    };
  } catch (err) {
    const tail = gw && !(err as Error).message.includes('last output:') ? `\nlast gateway output:\n${gw.outputTail()}` : '';
    throw new Error(`kill -9 harness (seed ${seed}) could not run: ${(err as Error).message}${tail}`, { cause: err });
  } finally {
    process.off('exit', onExit);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await Promise.all(commanders.map((c) => c.stop())).catch(() => undefined);
    await Promise.all([...devices.map((d) => d.stop()), ...feeders.map((f) => f.stop())]).catch(() => undefined);
    await gw?.kill9().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
