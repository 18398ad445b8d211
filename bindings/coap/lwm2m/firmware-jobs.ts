/**
 * Firmware updates of LwM2M devices through object 5 (TS Core Appendix E.6), one job per device,
 * driven by the `firmware_update` action: write the Package (push, Block1 to /5/0/0) or the
 * Package URI (pull, /5/0/1), wait for State /5/0/3 Downloaded (2), Execute Update /5/0/2, then
 * check Update Result /5/0/5 and the new version /3/0/3. Each step is stored in the binding's
 * durable store before the next one starts, so a job goes on where it stood after a gateway
 * restart; a step that cannot be done now (the device sleeps, downloads or installs) waits for
 * the device's next wake.
 */
import type { BindingStore } from '../../../gateway/binding.js';
import { DeviceTimeoutError } from '../../../protocols/errors.js';
import { CONTENT_FORMAT } from '../../../protocols/lwm2m/index.js';
import type { FirmwarePackages } from './firmware-packages.js';
import type { Lwm2mRegistration } from './lwm2m-registrations.js';
import { DeviceAnswerError, type Lwm2mRequests } from './lwm2m-requests.js';

export type FirmwareStep = 'write' | 'downloading' | 'execute' | 'updating' | 'done' | 'failed';

export interface FirmwareJob {
  itemId: string;
  package: string;
  method: 'push' | 'pull';
  /** Expected version in /3/0/3 afterwards, when the admin named one. */
  version?: string;
  step: FirmwareStep;
  oldVersion?: string;
  newVersion?: string;
  /** Last State /5/0/3 and Update Result /5/0/5 read. */
  state?: number;
  result?: number;
  error?: string;
  startedAt: number;
  updatedAt: number;
}

export type JobOutcome = { state: 'completed'; output: Record<string, unknown> } | { state: 'failed'; error: string };

/** E.6 Update Result (/5/0/5). */
export const UPDATE_RESULT: Readonly<Record<number, string>> = {
  0: 'initial', 1: 'success', 2: 'not enough flash', 3: 'out of RAM', 4: 'connection lost during download',
  5: 'integrity check failure', 6: 'unsupported package type', 7: 'invalid URI', 8: 'firmware update failed',
  9: 'unsupported protocol', 10: 'update cancelled', 11: 'deferred',
};
const STATE = { IDLE: 0, DOWNLOADING: 1, DOWNLOADED: 2, UPDATING: 3 } as const;
const KEY = 'lwm2m:fw:';

export interface FirmwareDeps {
  store: BindingStore;
  committed(): Promise<void>;
  requests: Lwm2mRequests;
  packages: FirmwarePackages;
  /** `coap://<gateway>/fw/<id>`. */
  packageUri(id: string): string;
  /** Job changes as the thing's `firmware_update_progress` property. */
  progress(reg: Lwm2mRegistration, job: FirmwareJob): void;
  /** Whether the device is still within its awake window (polls stop when it is not). */
  awake(reg: Lwm2mRegistration): boolean;
  now(): number;
  pollMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class FirmwareJobs {
  private readonly running = new Set<string>();

  constructor(private readonly d: FirmwareDeps) {}

  job(ep: string): FirmwareJob | undefined {
    return this.d.store.load().get(KEY + ep) as FirmwareJob | undefined;
  }

  /** Starts (or, for the same item delivered again, continues) a job. Null: the item waits for a later wake. */
  async start(reg: Lwm2mRegistration, itemId: string, input: { package: string; method?: 'push' | 'pull'; version?: string }): Promise<JobOutcome | null> {
    const cur = this.job(reg.ep);
    if (cur && cur.itemId !== itemId && cur.step !== 'done' && cur.step !== 'failed') {
      return { state: 'failed', error: `firmware update ${cur.itemId} is still running on this device` };
    }
    if (!cur || cur.itemId !== itemId) {
      this.d.packages.read(input.package);
      const now = this.d.now();
      const job: FirmwareJob = { itemId, package: input.package, method: input.method ?? 'push', step: 'write', startedAt: now, updatedAt: now };
      if (input.version !== undefined) job.version = input.version;
      await this.save(reg, job);
    }
    return this.resume(reg);
  }

  /** The device woke: the job goes on from its stored step. Null while it must wait. */
  async resume(reg: Lwm2mRegistration): Promise<JobOutcome | null> {
    const job = this.job(reg.ep);
    if (!job || this.running.has(reg.ep)) return null;
    if (job.step === 'done' || job.step === 'failed') return outcome(job);
    this.running.add(reg.ep);
    try {
      return await this.steps(reg, job);
    } catch (err) {
      // A timeout means the device sleeps again: the job waits where it is. A refusal is final.
      if (err instanceof DeviceTimeoutError) return null;
      return this.fail(reg, job, err instanceof DeviceAnswerError ? `${job.step}: ${err.message}` : (err as Error).message);
    } finally {
      this.running.delete(reg.ep);
    }
  }

  /** The job's item ended in the hub (cancelled, expired): nothing more is sent for it. */
  forget(reg: Lwm2mRegistration): void {
    this.d.store.delete(KEY + reg.ep);
  }

  private async steps(reg: Lwm2mRegistration, job: FirmwareJob): Promise<JobOutcome | null> {
    const r = this.d.requests;
    for (;;) {
      switch (job.step) {
        case 'write': {
          const v = await r.read(reg, [3, 0, 3], CONTENT_FORMAT.TEXT).catch(() => []);
          if (v[0] && typeof v[0].value === 'string') job.oldVersion = v[0].value;
          if (job.method === 'push') {
            // E.6: the Package itself, Opaque, in Block1 blocks (RFC 7959).
            await r.write(reg, [5, 0, 0], [{ path: '/5/0/0', value: new Uint8Array(this.d.packages.read(job.package)) }]);
          } else {
            await r.write(reg, [5, 0, 1], [{ path: '/5/0/1', value: this.d.packageUri(job.package) }], { format: CONTENT_FORMAT.TEXT });
          }
          await this.next(reg, job, 'downloading');
          break;
        }
        case 'downloading': {
          await this.readState(reg, job);
          if (job.state === STATE.DOWNLOADED) await this.next(reg, job, 'execute');
          else if (job.state === STATE.IDLE && job.result !== 0) return this.fail(reg, job, resultText('download failed', job.result));
          else if (!(await this.pause(reg))) return null;
          break;
        }
        case 'execute': {
          await this.readState(reg, job);
          if (job.state === STATE.DOWNLOADED) await r.execute(reg, [5, 0, 2]);
          else if (job.state === STATE.IDLE && job.result !== 0 && job.result !== 1) return this.fail(reg, job, resultText('update failed', job.result));
          // Executed before a restart (or just now): the device installs and reboots.
          await this.next(reg, job, 'updating');
          break;
        }
        case 'updating': {
          await this.readState(reg, job);
          if (job.result === 1) {
            const v = await r.read(reg, [3, 0, 3], CONTENT_FORMAT.TEXT);
            job.newVersion = typeof v[0]?.value === 'string' ? v[0].value : undefined;
            if (job.version !== undefined && job.newVersion !== job.version) {
              return this.fail(reg, job, `the device reports version ${job.newVersion ?? '(none)'}, expected ${job.version}`);
            }
            await this.next(reg, job, 'done');
            return outcome(job);
          }
          if (job.state === STATE.IDLE && job.result !== 0) return this.fail(reg, job, resultText('update failed', job.result));
          if (!(await this.pause(reg))) return null;
          break;
        }
        default:
          return outcome(job);
      }
    }
  }

  private async readState(reg: Lwm2mRegistration, job: FirmwareJob): Promise<void> {
    const values = await this.d.requests.read(reg, [5, 0], CONTENT_FORMAT.SENML_CBOR).catch(async (err: unknown) => {
      // A 1.0 device may not speak SenML: TLV is mandatory there.
      if (err instanceof DeviceAnswerError) return this.d.requests.read(reg, [5, 0], CONTENT_FORMAT.TLV);
      throw err;
    });
    const at = (p: string) => values.find((v) => v.path === p)?.value;
    const state = at('/5/0/3');
    const result = at('/5/0/5');
    const changed = state !== job.state || result !== job.result;
    if (typeof state === 'number') job.state = state;
    if (typeof result === 'number') job.result = result;
    if (changed) await this.save(reg, job);
  }

  /** Waits pollMs while the device is awake; false when it went to sleep. */
  private async pause(reg: Lwm2mRegistration): Promise<boolean> {
    if (!this.d.awake(reg)) return false;
    await sleep(this.d.pollMs);
    return this.d.awake(reg);
  }

  private async next(reg: Lwm2mRegistration, job: FirmwareJob, step: FirmwareStep): Promise<void> {
    job.step = step;
    await this.save(reg, job);
  }

  private async fail(reg: Lwm2mRegistration, job: FirmwareJob, error: string): Promise<JobOutcome> {
    job.error = error;
    await this.next(reg, job, 'failed');
    return outcome(job);
  }

  private async save(reg: Lwm2mRegistration, job: FirmwareJob): Promise<void> {
    job.updatedAt = this.d.now();
    this.d.store.put(KEY + reg.ep, { ...job });
    this.d.progress(reg, job);
    await this.d.committed();
  }
}

function resultText(what: string, result: number | undefined): string {
  return `${what}: Update Result ${result ?? '?'} (${UPDATE_RESULT[result ?? -1] ?? 'unknown'})`;
}

function outcome(job: FirmwareJob): JobOutcome {
  if (job.step === 'failed') return { state: 'failed', error: job.error ?? 'firmware update failed' };
  return { state: 'completed', output: { package: job.package, method: job.method, result: job.result ?? 1, version: job.newVersion ?? null, previousVersion: job.oldVersion ?? null } };
}
