/**
 * The final report of a run: a deterministic part (a pure function of the scenario, its seed and
 * the traffic the devices saw) and a separate `measured` part with wall-clock figures (rates,
 * memory) that differ from run to run. summarize() renders it for a terminal.
 */
import type { OscoreCost, RadioCounters } from './device-model.js';
import { enrolmentReports, summarizeEnrolment, type EnrolmentReport } from './enrolment-report.js';
import { addTraffic, emptyTraffic, energyFigures, type EnergyFigures, type Traffic } from './energy.js';
import type { FaultCounters } from './faults.js';
import type { FleetRunner, RunOutcome, SentAction } from './fleet-runner.js';
import type { SimDevice } from './sim-device.js';

export interface KindReport {
  devices: number;
  wakes: number;
  readingsSent: number;
  readingsAcknowledged: number;
  /** Acknowledged readings found in the gateway's history, when the run was checked against it (addHistoryCheck). */
  readingsStored?: number;
  errors: number;
  traffic: Traffic;
  /** BLE kinds: advertising events, connections and connected time, summed over the kind. */
  radio?: RadioCounters;
  /** Battery devices only: averages per device. */
  energy?: EnergyFigures & { shortestBatteryLifeDays: number; shortestLifeDevice: string };
  /** CoAP kinds that spoke OSCORE: what it cost, beside the same traffic in plain CoAP. */
  oscore?: OscoreReport;
  /** CoAP kinds that enrolled by EDHOC: round trips, bytes, radio time and charge per enrolment, beside a wake. */
  enrolment?: EnrolmentReport;
}

/** OSCORE's cost for a kind: bytes per protected message, Echo round trips, and per-wake figures with and without it. */
export interface OscoreReport {
  messages: number;
  /** Bytes a protected message carries above its plain twin, on average. */
  overheadBytesPerMessage: number;
  /** Extra round trips for Echo challenges (one per device per gateway start), in all. */
  echoRoundTrips: number;
  flashWrites: number;
  /** Battery kinds: per wake with OSCORE (as measured) and in plain CoAP (the same exchanges at their plain size, no Echo). */
  perWake?: { bytesUp: number; bytesDown: number; radioOnMs: number };
  plainPerWake?: { bytesUp: number; bytesDown: number; radioOnMs: number };
  /** radioOnMs with OSCORE / in plain CoAP. */
  radioTimeRatio?: number;
}

export interface DeviceReport {
  deviceId: string;
  kind: string;
  wakes: number;
  traffic: Traffic;
  driftPpm: number;
  depletedAtS: number | null;
  /** Battery devices: radio-on time and bytes per wake, charge used, average current, battery life. */
  energy: EnergyFigures | null;
  /** BLE devices: advertising events, connections, connected time. */
  radio?: RadioCounters;
  errors: number;
}

/** What became of the actions (or writes) a run sent. */
export interface DeliveryCounts {
  sent: number;
  /** The hub refused it (no status resource). */
  refused: number;
  deliveredOnce: number;
  deliveredTwiceOrMore: number;
  notDelivered: number;
  /** Final states the hub gave, counted. */
  states: Record<string, number>;
}

/** One action or write, from its invocation to its execution on the device. */
export interface InvocationReport {
  key: string;
  type: 'action' | 'write';
  device: string;
  kind: string;
  name: string;
  atS: number;
  state: string | null;
  received: number;
  /** Simulated seconds from the invocation to the device's first execution; null if it never ran. */
  latencyS: number | null;
}

export interface FleetReport {
  scenario: string;
  seed: string | number;
  simulatedS: number;
  completed: boolean;
  devices: number;
  kinds: Record<string, KindReport>;
  /** `unexpected`: commands (actions or writes) that matched nothing the run sent. */
  actions: DeliveryCounts & { unexpected: number };
  /** Property writes; `superseded`: replaced in the queue by a newer write of the same property before delivery (never delivered, by design). */
  writes: DeliveryCounts & { superseded: number };
  invocations: InvocationReport[];
  /** The end-to-end check against the gateway's history, when one ran (addHistoryCheck). */
  historyCheck?: { readingsChecked: number; readingsMissing: number; ok: boolean };
  faults: FaultCounters;
  perDevice: DeviceReport[];
  /** Wall-clock figures: not reproducible, kept apart. */
  measured: {
    wallS: number;
    simulatedPerWallS: number;
    wakesPerS: number;
    datagramsPerS: number;
    rssMiB: number;
    heapUsedMiB: number;
    /** Wall-clock ms from sending an action or write to the hub to its execution on the device. */
    latencyWallMs: { count: number; median: number; p95: number; max: number } | null;
  };
}

const r3 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

function roundFigures(f: EnergyFigures): EnergyFigures {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, r3(v)])) as unknown as EnergyFigures;
}

export function buildReport(runner: FleetRunner, outcome: RunOutcome): FleetReport {
  const s = runner.scenario();
  const elapsedMs = outcome.simMs;
  const kinds: Record<string, KindReport> = {};
  const perDevice: DeviceReport[] = [];
  for (const d of runner.devices) {
    const k = (kinds[d.kindName] ??= { devices: 0, wakes: 0, readingsSent: 0, readingsAcknowledged: 0, errors: 0, traffic: emptyTraffic() });
    const t = d.traffic();
    k.devices++;
    k.wakes += d.wakes;
    k.readingsSent += d.readingsSent;
    k.readingsAcknowledged += d.readingsAcknowledged;
    k.errors += d.errors;
    addTraffic(k.traffic, t);
    const radio = d.model.radioCounters?.();
    if (radio) {
      k.radio ??= { advertisingEvents: 0, connections: 0, connectedMs: 0 };
      k.radio.advertisingEvents += radio.advertisingEvents;
      k.radio.connections += radio.connections;
      k.radio.connectedMs += radio.connectedMs;
    }
    const energy = d.kind.power === 'battery' ? roundFigures(energyFigures(t, d.depletedAtMs ?? elapsedMs, d.energy)) : null;
    perDevice.push({
      deviceId: d.deviceId, kind: d.kindName, wakes: d.wakes, traffic: t, driftPpm: r3(d.plan.driftPpm),
      depletedAtS: d.depletedAtMs === null ? null : d.depletedAtMs / 1000, energy, ...(radio ? { radio } : {}), errors: d.errors,
    });
  }
  const costs = new Map<string, OscoreCost>();
  for (const d of runner.devices) {
    const c = d.model.oscoreCost?.();
    if (!c) continue;
    const sum = costs.get(d.kindName) ?? { messages: 0, overheadBytes: 0, echoRoundTrips: 0, flashWrites: 0, plain: { datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0 } };
    sum.messages += c.messages;
    sum.overheadBytes += c.overheadBytes;
    sum.echoRoundTrips += c.echoRoundTrips;
    sum.flashWrites += c.flashWrites;
    for (const k of ['datagramsUp', 'bytesUp', 'datagramsDown', 'bytesDown'] as const) sum.plain[k] += c.plain[k];
    costs.set(d.kindName, sum);
  }
  const firstOfKind = new Map<string, SimDevice>();
  for (const d of runner.devices) if (!firstOfKind.has(d.kindName)) firstOfKind.set(d.kindName, d);
  for (const [name, k] of Object.entries(kinds)) {
    const battery = perDevice.filter((p) => p.kind === name && p.energy !== null);
    if (battery.length === 0) continue;
    const avg: Traffic = { wakes: k.traffic.wakes / k.devices, datagramsUp: k.traffic.datagramsUp / k.devices, bytesUp: k.traffic.bytesUp / k.devices, datagramsDown: k.traffic.datagramsDown / k.devices, bytesDown: k.traffic.bytesDown / k.devices };
    if (k.traffic.connectedMs !== undefined) avg.connectedMs = k.traffic.connectedMs / k.devices;
    const energySpec = firstOfKind.get(name)?.energy ?? s.energy;
    const life = (p: DeviceReport): number => p.energy?.batteryLifeDays ?? Infinity;
    const shortest = battery.reduce((a, b) => (life(b) < life(a) ? b : a));
    k.energy = { ...roundFigures(energyFigures(avg, elapsedMs, energySpec)), shortestBatteryLifeDays: life(shortest), shortestLifeDevice: shortest.deviceId };
  }
  for (const [name, c] of costs) {
    const k = kinds[name]!;
    k.oscore = { messages: c.messages, overheadBytesPerMessage: r3(c.messages > 0 ? c.overheadBytes / c.messages : 0), echoRoundTrips: c.echoRoundTrips, flashWrites: c.flashWrites };
    const spec = firstOfKind.get(name)?.energy;
    if (!k.energy || !spec || k.wakes === 0) continue;
    const perWake = (t: Traffic) => {
      const f = energyFigures(t, elapsedMs, spec);
      return { bytesUp: r3(f.bytesUpPerWake), bytesDown: r3(f.bytesDownPerWake), radioOnMs: r3(f.radioOnMsPerWake) };
    };
    k.oscore.perWake = perWake(k.traffic);
    k.oscore.plainPerWake = perWake({ wakes: k.traffic.wakes, ...c.plain });
    k.oscore.radioTimeRatio = r3(k.oscore.plainPerWake.radioOnMs > 0 ? k.oscore.perWake.radioOnMs / k.oscore.plainPerWake.radioOnMs : 0);
  }
  for (const [name, e] of Object.entries(enrolmentReports(runner))) kinds[name]!.enrolment = e;
  const actions = runner.sent.filter((a) => a.type === 'action');
  const writes = runner.sent.filter((a) => a.type === 'write');
  const superseded = writes.filter(isSuperseded);
  const kindOf = new Map(runner.devices.map((d) => [d.deviceId, d.kindName]));
  const wallS = outcome.wallMs / 1000;
  const total = emptyTraffic();
  for (const d of runner.devices) d.addTo(total);
  const mem = process.memoryUsage();
  return {
    scenario: s.name,
    seed: s.seed,
    simulatedS: elapsedMs / 1000,
    completed: !outcome.aborted,
    devices: runner.devices.length,
    kinds,
    actions: { ...deliveryCounts(actions), unexpected: runner.unexpectedCommands },
    writes: { ...deliveryCounts(writes.filter((w) => !isSuperseded(w))), sent: writes.length, superseded: superseded.length, states: countStates(writes) },
    invocations: runner.sent.map((a) => ({
      key: a.key, type: a.type, device: a.device, kind: kindOf.get(a.device) ?? '', name: a.name, atS: a.atMs / 1000, state: a.state ?? null, received: a.received,
      latencyS: a.executedAtMs === undefined ? null : (a.executedAtMs - a.atMs) / 1000,
    })),
    faults: { ...runner.faults },
    perDevice,
    measured: {
      wallS: r3(wallS),
      simulatedPerWallS: r3(wallS > 0 ? elapsedMs / 1000 / wallS : 0),
      wakesPerS: r3(wallS > 0 ? total.wakes / wallS : 0),
      datagramsPerS: r3(wallS > 0 ? (total.datagramsUp + total.datagramsDown) / wallS : 0),
      rssMiB: r3(mem.rss / 2 ** 20),
      heapUsedMiB: r3(mem.heapUsed / 2 ** 20),
      latencyWallMs: spread(runner.sent.map((a) => a.wallLatencyMs).filter((x): x is number => x !== undefined)),
    },
  };
}

/** A write the hub replaced by a newer one before it went out: never delivered, by design. */
export function isSuperseded(a: SentAction): boolean {
  return a.type === 'write' && a.state === 'superseded' && a.received === 0;
}

function countStates(list: readonly SentAction[]): Record<string, number> {
  const states: Record<string, number> = {};
  for (const a of list) if (a.state) states[a.state] = (states[a.state] ?? 0) + 1;
  return states;
}

function deliveryCounts(list: readonly SentAction[]): DeliveryCounts {
  const queued = list.filter((a) => a.error === undefined);
  return {
    sent: list.length,
    refused: list.length - queued.length,
    deliveredOnce: queued.filter((a) => a.received === 1).length,
    deliveredTwiceOrMore: queued.filter((a) => a.received > 1).length,
    notDelivered: queued.filter((a) => a.received === 0).length,
    states: countStates(list),
  };
}

function spread(xs: number[]): { count: number; median: number; p95: number; max: number } | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { count: s.length, median: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
}

/**
 * Adds what the end-to-end check found in the gateway's history: stored readings per kind; `ok`
 * when none is missing and nothing of a refused device is there (actions are reported apart).
 */
export function addHistoryCheck(r: FleetReport, v: { readingsChecked: number; readingsMissing: number; rejectedInHistory: number; storedPerKind: Record<string, number> }): FleetReport {
  const kinds = Object.fromEntries(Object.entries(r.kinds).map(([name, k]) => [name, { ...k, readingsStored: v.storedPerKind[name] ?? 0 }]));
  const ok = v.readingsMissing === 0 && v.rejectedInHistory === 0;
  return { ...r, kinds, historyCheck: { readingsChecked: v.readingsChecked, readingsMissing: v.readingsMissing, ok } };
}

/** The report without its `measured` part: equal for equal seeds. */
export function deterministicPart(r: FleetReport): Omit<FleetReport, 'measured'> {
  const { measured: _measured, ...rest } = r;
  return rest;
}

function days(d: number): string {
  if (!Number.isFinite(d)) return 'unlimited';
  return d >= 365 ? `${(d / 365).toFixed(1)} years` : `${d.toFixed(1)} days`;
}

/** A human summary for the terminal. */
export function summarize(r: FleetReport): string {
  const lines = [
    `Fleet '${r.scenario}' (seed ${r.seed}): ${r.devices} devices, ${r.simulatedS} s simulated in ${r.measured.wallS} s${r.completed ? '' : ' (stopped early)'}`,
    '',
    'kind                    devices   wakes  readings  acked  errors  up B/wake  down B/wake  radio ms/wake  battery life',
  ];
  for (const [name, k] of Object.entries(r.kinds)) {
    const e = k.energy;
    const counted = k.traffic.bytesUp + k.traffic.bytesDown > 0;
    const perWake = (x: number): string => (k.wakes > 0 && counted ? (x / k.wakes).toFixed(1) : '-');
    lines.push(
      `${name.padEnd(22)} ${String(k.devices).padStart(8)} ${String(k.wakes).padStart(7)} ${String(k.readingsSent).padStart(9)} ${String(k.readingsAcknowledged).padStart(6)} ${String(k.errors).padStart(7)} ${perWake(k.traffic.bytesUp).padStart(10)} ${perWake(k.traffic.bytesDown).padStart(12)} ${(e ? e.radioOnMsPerWake.toFixed(2) : '-').padStart(14)}  ${e ? `${days(e.batteryLifeDays)} (shortest ${days(e.shortestBatteryLifeDays)}, ${e.shortestLifeDevice})` : 'mains'}`,
    );
  }
  const a = r.actions;
  const f = r.faults;
  for (const [name, k] of Object.entries(r.kinds)) {
    const o = k.oscore;
    if (!o) continue;
    const wake = o.perWake && o.plainPerWake
      ? `; per wake ${(o.perWake.bytesUp + o.perWake.bytesDown).toFixed(1)} B and ${o.perWake.radioOnMs.toFixed(2)} radio ms, plain CoAP ${(o.plainPerWake.bytesUp + o.plainPerWake.bytesDown).toFixed(1)} B and ${o.plainPerWake.radioOnMs.toFixed(2)} ms (x${o.radioTimeRatio})`
      : '';
    lines.push(`${name}: OSCORE +${o.overheadBytesPerMessage} B per message (${o.messages} messages), ${o.echoRoundTrips} Echo round trips${wake}`);
  }
  lines.push(...summarizeEnrolment(r.kinds));
  for (const [name, k] of Object.entries(r.kinds)) {
    if (k.radio) lines.push(`${name}: ${k.radio.advertisingEvents} advertising events, ${k.radio.connections} connections, ${(k.radio.connectedMs / 1000).toFixed(1)} s connected`);
  }
  const w = r.writes;
  const lat = r.invocations.map((i) => i.latencyS).filter((x): x is number => x !== null).sort((x, y) => x - y);
  const wall = r.measured.latencyWallMs;
  const h = r.historyCheck;
  lines.push(
    '',
    `actions: ${a.sent} sent, ${a.deliveredOnce} delivered exactly once, ${a.deliveredTwiceOrMore} more than once, ${a.notDelivered} not delivered, ${a.refused} refused; states ${JSON.stringify(a.states)}`,
    ...(w.sent > 0 ? [`writes: ${w.sent} sent, ${w.deliveredOnce} delivered exactly once, ${w.deliveredTwiceOrMore} more than once, ${w.notDelivered} not delivered, ${w.superseded} superseded, ${w.refused} refused; states ${JSON.stringify(w.states)}`] : []),
    ...(lat.length > 0 ? [`latency, invocation to execution: median ${lat[Math.floor(lat.length / 2)]} s, longest ${lat[lat.length - 1]} s of scenario time${wall ? `; wall clock median ${wall.median} ms, p95 ${wall.p95} ms` : ''}`] : []),
    ...(h ? [`history: ${h.readingsChecked - h.readingsMissing} of ${h.readingsChecked} acknowledged readings stored${h.ok ? '' : ' (check failed)'}`] : []),
    `faults: ${f.lost} lost, ${f.duplicated} duplicated, ${f.reordered} reordered, ${f.reboots} reboots, ${f.depleted} batteries depleted`,
    `measured: ${r.measured.wakesPerS} wakes/s, ${r.measured.datagramsPerS} datagrams/s, RSS ${r.measured.rssMiB} MiB`,
  );
  return lines.join('\n');
}
