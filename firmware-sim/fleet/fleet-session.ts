/**
 * One fleet run from start to report: set up what the gateway needs, connect, power the devices
 * on, step through the scenario with live progress, wait for outstanding actions, power off,
 * build the report. The CLI commands
 * (`roost fleet`, `roost demo`) and the tests call this; they choose the gateway and the
 * action client.
 */
import type { ActionClient } from './action-client.js';
import type { DeviceKind, GatewayAddress, GatewayNeeds } from './device-model.js';
import { DEVICE_KINDS } from './device-kinds.js';
import { FleetRunner } from './fleet-runner.js';
import { terminalProgress, type ProgressOut } from './progress.js';
import { buildReport, type FleetReport } from './report.js';
import type { Scenario } from './scenario.js';

/** The gateway a session runs against, and how its actions reach the hub. */
export interface Connection {
  gateway: GatewayAddress;
  actions: ActionClient;
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
}

export interface SessionResult {
  runner: FleetRunner;
  report: FleetReport;
}

export async function runSession(opts: SessionOptions): Promise<SessionResult> {
  const live = opts.progress ? terminalProgress(opts.progress) : null;
  const runner = new FleetRunner({
    scenario: opts.scenario,
    kinds: opts.kinds ?? DEVICE_KINDS,
    ...(live ? { onProgress: (p) => live.update(p) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.recordReadings !== undefined ? { recordReadings: opts.recordReadings } : {}),
    ...(opts.maxConcurrentWakes !== undefined ? { maxConcurrentWakes: opts.maxConcurrentWakes } : {}),
  });
  try {
    const c = await opts.connect(await runner.prepare());
    runner.connect(c.gateway, c.actions);
    await runner.start();
    const outcome = await runner.run();
    await runner.settle();
    for (const d of runner.devices) d.model.sync?.();
    const report = buildReport(runner, outcome);
    return { runner, report };
  } finally {
    live?.done();
    await runner.stop();
  }
}
