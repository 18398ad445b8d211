/**
 * Firmware campaigns: one image to many LwM2M things, at most `concurrency` devices at a time.
 * The runner uses the hub's facade only: it invokes each thing's `firmware_update` action (the
 * binding runs the object 5 job, waiting for the device's wakes), follows the item's state and the
 * thing's `firmware_update_progress` property, and records each device's outcome with its Update
 * Result code. Everything is in SQLite (campaign-store.ts), so a restart resumes a campaign.
 *
 * Per-device allowance: the hub fails a `delivered` item after `queue.resultTimeoutMs` ×
 * `queue.maxAttempts` without a result, but the binding's job goes on at the device's next wakes
 * and reports as `firmware_update_progress` with the item's id. So a device whose item the hub gave
 * up on for a result timeout stays `running` here, followed through that property, until its job
 * ends (`done`, `failed`) or `itemTimeoutMs` passes. Invoking again would not help: the binding
 * refuses a second job while one runs on the device.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { ActionView, BusMessage } from '../hub/types.js';
import { BadRequestError, ConflictError, RoostError } from '../../protocols/errors.js';
import { CampaignStore, type Campaign, type CampaignItem, type CampaignSelection } from './campaign-store.js';
import type { FirmwareImages } from './firmware-images.js';

export const FIRMWARE_ACTION = 'firmware_update';
export const PROGRESS_PROPERTY = 'firmware_update_progress';
const MODEL_PATH = '/3/0/1';
const VERSION_PATH = '/3/0/3';

export interface CampaignOptions {
  /** Most devices in one campaign. */
  maxTargets: number;
  /** Highest concurrency a campaign may ask for. */
  maxConcurrency: number;
  /** How often running items are checked against the hub besides the bus (a missed message, a restart). */
  reconcileMs: number;
  /** A device without an outcome this long after its start fails (ms). */
  itemTimeoutMs: number;
  /** Campaigns answered by GET /campaigns. */
  maxListed: number;
}

export const DEFAULT_CAMPAIGN_OPTIONS: CampaignOptions = {
  maxTargets: 1000, maxConcurrency: 64, reconcileMs: 5000, itemTimeoutMs: 7 * 24 * 3600_000, maxListed: 200,
};

export interface CampaignRequest extends CampaignSelection {
  firmwareId: string;
  mode: 'push' | 'pull';
  concurrency: number;
  ttlMs?: number;
}

interface Progress { itemId?: string; step?: string; state?: number; result?: number; error?: string; oldVersion?: string; newVersion?: string }

const FINAL_FAILED = new Set(['failed', 'expired', 'cancelled', 'superseded']);

export class CampaignRunner {
  readonly store: CampaignStore;
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: { hub: HubApi; store: CampaignStore; images: FirmwareImages; options: CampaignOptions; logger: Logger; now: () => number }) {
    this.store = d.store;
  }

  /** Follows the bus and resumes the campaigns that were running (after a restart). */
  start(): void {
    this.sub = this.d.hub.subscribe((m) => this.onMessage(m), { types: ['action', 'property'] });
    this.timer = setInterval(() => this.reconcile(), this.d.options.reconcileMs);
    this.timer.unref();
    this.reconcile();
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = null;
    clearInterval(this.timer);
  }

  create(req: CampaignRequest, createdBy?: string): Campaign {
    const { options } = this.d;
    const image = this.d.images.get(req.firmwareId);
    if (req.concurrency < 1 || req.concurrency > options.maxConcurrency) throw new BadRequestError(`concurrency must be 1..${options.maxConcurrency}`);
    if ((req.targets === undefined) === (req.filter === undefined)) throw new BadRequestError('give either targets or filter');
    const targets = req.targets ? this.checkTargets(req.targets) : this.matching(req.filter ?? {});
    if (targets.length === 0) throw new BadRequestError('no thing matches: a target must be a thing with the firmware_update action');
    if (targets.length > options.maxTargets) throw new BadRequestError(`${targets.length} targets, at most ${options.maxTargets} in one campaign`);
    const now = this.d.now();
    const selection: CampaignSelection = req.targets ? { targets: req.targets } : { filter: req.filter ?? {} };
    const id = randomUUID();
    this.d.store.insert({
      id, firmwareId: image.id, mode: req.mode, concurrency: req.concurrency, state: 'running', selection,
      ttlMs: req.ttlMs ?? null, createdBy: createdBy ?? null, createdAt: now, updatedAt: now,
    }, targets);
    this.d.logger.info({ campaign: id, firmware: image.id, targets: targets.length }, 'firmware campaign started');
    this.pump(id);
    return this.d.store.get(id);
  }

  get(id: string): Campaign & { items: CampaignItem[] } {
    return { ...this.d.store.get(id), items: this.d.store.items(id) };
  }

  list(): Campaign[] {
    return this.d.store.list(this.d.options.maxListed);
  }

  /** Waiting devices are not started; a device whose item has not reached it yet is cancelled in the queue; one already updating finishes. */
  cancel(id: string): Campaign {
    const c = this.d.store.get(id);
    if (c.state !== 'running') throw new ConflictError(`campaign ${id} is ${c.state}`);
    const now = this.d.now();
    this.d.store.setState(id, 'cancelled', now);
    for (const it of this.d.store.items(id, 'waiting')) this.save(id, { ...it, state: 'cancelled', updatedAt: now });
    for (const it of this.d.store.items(id, 'running')) {
      try {
        if (it.actionId) this.d.hub.cancelAction(it.actionId);
      } catch {
        // Past the point of cancelling (the device has it): its outcome is still recorded.
      }
      this.follow(id, it);
    }
    return this.d.store.get(id);
  }

  usesImage(firmwareId: string): boolean {
    return this.d.store.usesImage(firmwareId);
  }

  private checkTargets(ids: readonly string[]): string[] {
    const unique = [...new Set(ids)];
    for (const id of unique) {
      const t = this.d.hub.getThing(id);
      if (!hasFirmwareAction(t.consumerTd)) throw new BadRequestError(`thing ${id} has no ${FIRMWARE_ACTION} action (an LwM2M device with object 5)`);
    }
    return unique;
  }

  /** Things with the firmware action whose twin has the model (/3/0/1) and version (/3/0/3) asked for; an unknown value does not match. */
  private matching(filter: { model?: string; firmwareVersion?: string }): string[] {
    const out: string[] = [];
    const page = 500;
    for (let offset = 0; ; offset += page) {
      const { items, total } = this.d.hub.listThings({ offset, limit: page });
      for (const t of items) {
        if (!hasFirmwareAction(t.consumerTd)) continue;
        const twin = this.d.hub.readAllProperties(t.id);
        const at = (path: string) => {
          const name = propertyAt(t.nativeTd, path);
          return name === undefined ? undefined : twin[name]?.value;
        };
        if (filter.model !== undefined && at(MODEL_PATH) !== filter.model) continue;
        if (filter.firmwareVersion !== undefined && at(VERSION_PATH) !== filter.firmwareVersion) continue;
        out.push(t.id);
      }
      if (items.length === 0 || offset + page >= total) break;
    }
    return out;
  }

  private onMessage(m: BusMessage): void {
    if (m.type === 'action' && m.action.name === FIRMWARE_ACTION) {
      const it = this.d.store.byAction(m.action.id);
      if (it?.state === 'running') this.follow(it.campaignId, it, m.action);
    } else if (m.type === 'property' && m.name === PROGRESS_PROPERTY) {
      const itemId = (m.value as Progress | null)?.itemId;
      const it = itemId ? this.d.store.byAction(itemId) : undefined;
      if (it?.state === 'running') this.follow(it.campaignId, it);
    }
  }

  /** Every running item against the hub, then new starts where there is room. */
  private reconcile(): void {
    try {
      for (const it of this.d.store.running()) this.follow(it.campaignId, it);
      for (const id of this.d.store.idsInState('running')) this.pump(id);
    } catch (err) {
      this.d.logger.error({ err }, 'firmware campaigns: reconcile failed');
    }
  }

  /** Starts waiting devices while fewer than `concurrency` run; ends the campaign when none is left. */
  private pump(id: string): void {
    const c = this.d.store.get(id);
    if (c.state !== 'running') return;
    let running = c.counts.running;
    const image = this.d.images.get(c.firmwareId);
    for (const it of this.d.store.items(id, 'waiting')) {
      if (running >= c.concurrency) break;
      const now = this.d.now();
      try {
        const v = this.d.hub.invokeAction(it.thingId, FIRMWARE_ACTION, { package: image.id, method: c.mode, version: image.version }, {
          ...(c.ttlMs !== null ? { ttlMs: c.ttlMs } : {}), ...(c.createdBy ? { requestedBy: c.createdBy } : {}),
        });
        this.save(id, { ...it, state: 'running', actionId: v.id, startedAt: now, updatedAt: now });
        running++;
      } catch (err) {
        // The thing left, or its queue is full: this device fails, the campaign goes on.
        this.save(id, { ...it, state: 'failed', error: err instanceof RoostError ? `${err.code}: ${err.message}` : String(err), updatedAt: now });
      }
    }
    if (running === 0 && this.d.store.items(id, 'waiting').length === 0) {
      this.d.store.setState(id, 'completed', this.d.now());
      const done = this.d.store.get(id);
      this.d.logger.info({ campaign: id, counts: done.counts }, 'firmware campaign completed');
    }
  }

  /** Brings one running item up to date with its action and the device's progress. */
  private follow(campaignId: string, it: CampaignItem, view?: ActionView): void {
    if (it.state !== 'running' || !it.actionId) return;
    const now = this.d.now();
    let action = view;
    try {
      action ??= this.d.hub.getAction(it.actionId);
    } catch {
      action = undefined;
    }
    const progress = this.progressOf(it);
    const next: CampaignItem = { ...it, updatedAt: now };
    if (progress) {
      next.step = progress.step ?? next.step;
      if (typeof progress.result === 'number') next.result = progress.result;
      next.oldVersion = progress.oldVersion ?? next.oldVersion;
      next.newVersion = progress.newVersion ?? next.newVersion;
    }
    if (action?.state === 'completed') {
      const out = (action.output ?? {}) as { result?: number; version?: string | null; previousVersion?: string | null };
      Object.assign(next, { state: 'succeeded', step: 'done', error: null, result: out.result ?? 1 });
      if (out.version) next.newVersion = out.version;
      if (out.previousVersion) next.oldVersion = out.previousVersion;
    } else if (progress?.step === 'done') {
      Object.assign(next, { state: 'succeeded', error: null });
    } else if (progress?.step === 'failed') {
      Object.assign(next, { state: 'failed', error: progress.error ?? action?.error ?? 'firmware update failed' });
    } else if (action && FINAL_FAILED.has(action.state) && !this.jobGoesOn(action, progress)) {
      // Cancelled in the queue (the campaign's cancel, or a consumer's) before it reached the device.
      next.state = action.state === 'cancelled' ? 'cancelled' : 'failed';
      next.error = action.error ?? `the hub's item ended ${action.state}`;
      const code = /Update Result (\d+)/.exec(next.error);
      if (code) next.result = Number(code[1]);
    } else if (!action && !progress) {
      Object.assign(next, { state: 'failed', error: 'the firmware_update item is no longer in the queue' });
    } else if (it.startedAt !== null && now - it.startedAt > this.d.options.itemTimeoutMs) {
      Object.assign(next, { state: 'failed', error: `no outcome within ${this.d.options.itemTimeoutMs} ms (itemTimeoutMs)` });
    }
    const changed = (['state', 'step', 'result', 'error', 'oldVersion', 'newVersion'] as const).some((k) => next[k] !== it[k]);
    if (!changed) return;
    this.save(campaignId, next);
    if (next.state !== 'running') this.pump(campaignId);
  }

  /** The hub gave up waiting for the result, but the device's job has started and goes on at its next wakes. */
  private jobGoesOn(action: ActionView, progress: Progress | undefined): boolean {
    return action.state === 'failed' && /no result within/.test(action.error ?? '') && progress !== undefined && progress.step !== 'done' && progress.step !== 'failed';
  }

  private progressOf(it: CampaignItem): Progress | undefined {
    try {
      const v = this.d.hub.readAllProperties(it.thingId)[PROGRESS_PROPERTY]?.value as Progress | undefined;
      return v && v.itemId === it.actionId ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private save(campaignId: string, it: CampaignItem): void {
    this.d.store.saveItem(campaignId, it);
  }
}

function hasFirmwareAction(td: Record<string, unknown>): boolean {
  const actions = td['actions'] as Record<string, unknown> | undefined;
  return !!actions && FIRMWARE_ACTION in actions;
}

function propertyAt(td: Record<string, unknown>, path: string): string | undefined {
  const props = (td['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  return Object.keys(props).find((n) => props[n]?.['lwm2m:path'] === path);
}
