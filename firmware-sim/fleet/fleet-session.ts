/**
 * One fleet run from start to report: set up what the gateway needs, connect, power the devices
 * on, step through the scenario with live progress, wait for outstanding actions, power off,
 * build the report, and (given a history source) check it against the gateway's history. The CLI commands
 * (`roost fleet`, `roost demo`) and the tests call this; they choose the gateway and the
 * action client.
 */
import type { ActionClient } from './action-client.js';
import type { DeviceKind, GatewayAddress, GatewayNeeds } from './device-model.js';
import { DEVICE_KINDS } from './device-kinds.js';
import { FleetRunner } from './fleet-runner.js';
import { terminalProgress, type ProgressOut } from './progress.js';
import { addHistoryCheck, buildReport, type FleetReport } from './report.js';
import type { Scenario } from './scenario.js';
import { verifyRun, type HistorySource, type Verification } from './verify.js';

/** The gateway a session runs against, and how its actions reach the hub. */
export interface Connection {
  gateway: GatewayAddress;
  actions: ActionClient;
  /** Where the end-to-end check reads the gateway's history, if it can. */
  history?: HistorySource;
}

export interface SessionOptions {
  scenario: Scenario;
  /**
   * Called once the devices have set up what the gateway needs (pseudo-terminals for serial
   * devices): start the gateway with it, or check that the running one has it.
   */
  connect(needs: GatewayNeeds): Promise<Connection>;
  kinds?: Readonly<Record<string, DeviceKind>>;
  /** Live progress goes here (stderr on a terminal). */
  progress?: ProgressOut;
  signal?: AbortSignal;
  recordReadings?: boolean;
  maxConcurrentWakes?: number;
  /** Let devices that pair (Zigbee) do so while the others run (RunnerOptions.pairInBackground). */
  pairInBackground?: boolean;
  /**
   * Called once the report is made (or the run failed), before the devices power off: a gateway
   * that connect() started stops here, while its devices are still there (herdsman's stop talks
   * to the coordinator; serial ports do not see their devices vanish first).
   */
  disconnect?(): Promise<void>;
  /**
   * Keep every reading sent and, if the Connection names the gateway's history, count afterwards
   * those found there (the report's `readingsStored` and `historyCheck`).
   */
  checkHistory?: boolean;
}

export interface SessionResult {
  runner: FleetRunner;
  report: FleetReport;
  /** The end-to-end check, when the session had a history source. */
  verification?: Verification;
  /** Why the history could not be read (the report then says nothing of stored readings). */
  historyError?: string;
}

/** How long the history check waits for readings still on their way into the gateway's store. */
const HISTORY_SETTLE_MS = 3000;

export async function runSession(opts: SessionOptions): Promise<SessionResult> {
  const live = opts.progress ? terminalProgress(opts.progress) : null;
  const runner = new FleetRunner({
    scenario: opts.scenario,
    kinds: opts.kinds ?? DEVICE_KINDS,
    ...(live ? { onProgress: (p) => live.update(p) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.recordReadings !== undefined || opts.checkHistory ? { recordReadings: opts.recordReadings === true || opts.checkHistory === true } : {}),
    ...(opts.maxConcurrentWakes !== undefined ? { maxConcurrentWakes: opts.maxConcurrentWakes } : {}),
    ...(opts.pairInBackground ? { pairInBackground: true } : {}),
  });
  try {
    const c = await opts.connect(await runner.prepare());
    runner.connect(c.gateway, c.actions);
    await runner.start();
    const outcome = await runner.run();
    await runner.settle();
    for (const d of runner.devices) d.model.sync?.();
    const report = buildReport(runner, outcome);
    if (!opts.checkHistory || !c.history) return { runner, report };
    try {
      const verification = await checkHistory(runner, c.history);
      return { runner, report: addHistoryCheck(report, verification), verification };
    } catch (err) {
      return { runner, report, historyError: (err as Error).message };
    }
  } finally {
    live?.done();
    try {
      await opts.disconnect?.();
    } finally {
      await runner.stop();
    }
  }
}

/** The end-to-end check, again for a while if readings are missing (the last ones may still be on their way in). */
async function checkHistory(runner: FleetRunner, history: HistorySource): Promise<Verification> {
  const end = Date.now() + HISTORY_SETTLE_MS;
  for (;;) {
    const v = await verifyRun(runner, history);
    if (v.readingsMissing === 0 || Date.now() >= end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}
