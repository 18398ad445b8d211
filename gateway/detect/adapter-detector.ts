/**
 * Hardware detection at start and on hot-plug: scans sysfs and /dev (sysfs-scan.ts), plans which
 * bindings the adapters are for (detection-plan.ts) and turns on, reconfigures or off the
 * bindings it manages, never one the config names. What it found and did goes to the log, to
 * /healthz and /metrics, and to the UI (GET /gateway/adapters).
 */
import type { Logger } from 'pino';
import type { BindingStatus } from '../binding.js';
import type { MetricSample } from '../metrics/metric-sample.js';
import { planDetection, type DetectedAdapter, type DetectedBinding, type DetectionPlan } from './detection-plan.js';
import { scanHardware, type ScanRoots } from './sysfs-scan.js';

export interface DetectOptions extends ScanRoots {
  /** How often the tree is scanned again for hot-plugged or removed adapters (ms, 0: only at start). */
  scanIntervalMs: number;
}

export interface DetectorDeps {
  options: DetectOptions;
  /** Bindings the config names: detection leaves them alone. */
  configured: () => ReadonlySet<string>;
  /** Applies a binding section (BindingHost.configure). */
  configure: (name: string, section: { enabled: boolean } & Record<string, unknown>, why: string) => Promise<BindingStatus>;
  logger: Logger;
}

export interface DetectionReport {
  scannedAt: string | null;
  adapters: DetectedAdapter[];
  /** Bindings detection runs now, with the options it gave them. */
  managed: Partial<Record<DetectedBinding, Record<string, unknown>>>;
}

export class AdapterDetector {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastKey = '';
  private report: DetectionReport = { scannedAt: null, adapters: [], managed: {} };
  private scans = 0;

  constructor(private readonly deps: DetectorDeps) {}

  /** Scans once and applies the plan; later scans run every scanIntervalMs. */
  async start(): Promise<void> {
    await this.rescan();
    if (this.deps.options.scanIntervalMs > 0) {
      this.timer = setInterval(() => void this.rescan(), this.deps.options.scanIntervalMs);
      this.timer.unref();
    }
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.running ?? Promise.resolve();
  }

  /** Scans now (overlapping calls share one scan). */
  rescan(): Promise<void> {
    this.running ??= this.scanOnce().finally(() => (this.running = null));
    return this.running;
  }

  current(): DetectionReport {
    return this.report;
  }

  /** Bindings detection manages: the config API hands them back when the config names one. */
  managedBindings(): string[] {
    return Object.keys(this.report.managed);
  }

  /** Forgets a binding the config now names (the config API took it over). */
  release(name: string): void {
    delete this.report.managed[name as DetectedBinding];
    this.lastKey = '';
  }

  private async scanOnce(): Promise<void> {
    const { logger } = this.deps;
    this.scans++;
    let plan: DetectionPlan;
    try {
      plan = planDetection(scanHardware(this.deps.options), this.deps.configured());
    } catch (err) {
      logger.warn({ err }, 'adapter detection failed');
      return;
    }
    const key = JSON.stringify(plan);
    const at = new Date().toISOString();
    if (key === this.lastKey) {
      this.report.scannedAt = at;
      return;
    }
    this.lastKey = key;
    const managed = { ...this.report.managed };
    for (const name of ['zigbee', 'serial', 'ble'] as const) {
      const want = plan.bindings[name];
      const have = managed[name];
      if (this.deps.configured().has(name)) continue;
      if (want && JSON.stringify(want) !== JSON.stringify(have)) {
        try {
          const s = await this.deps.configure(name, want, 'detected');
          managed[name] = want;
          logger.info({ binding: name, options: want, state: s.state }, have ? 'adapter detection reconfigured a binding' : 'adapter detection enabled a binding');
        } catch (err) {
          logger.warn({ err, binding: name }, 'adapter detection could not enable a binding');
        }
      } else if (!want && have) {
        await this.deps.configure(name, { enabled: false }, 'its adapter was removed').catch(() => undefined);
        delete managed[name];
        logger.info({ binding: name }, 'adapter removed: binding stopped');
      }
    }
    this.report = { scannedAt: at, adapters: plan.adapters, managed };
    for (const a of plan.adapters) {
      logger.info({ adapter: a.id, binding: a.binding, decision: a.decision }, `adapter ${a.decision}: ${a.reason}`);
    }
  }

  metrics(): MetricSample[] {
    const out: MetricSample[] = [{ name: 'roost_detect_scans_total', help: 'Hardware detection scans.', type: 'counter', value: this.scans }];
    const counts = new Map<string, number>();
    for (const a of this.report.adapters) {
      const k = `${a.binding ?? 'none'}\u0000${a.decision}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const [k, value] of counts) {
      const [binding = 'none', decision = ''] = k.split('\u0000');
      out.push({ name: 'roost_detected_adapters', help: 'Adapters found by hardware detection, by binding and decision (enabled, configured, ambiguous, unknown).', type: 'gauge', value, labels: { binding, decision } });
    }
    return out;
  }
}
