/**
 * Scheduled backups into the data partition (docs/backup.md "Scheduled backups"): at each time the
 * schedule names, an archive of the running gateway (createBackup, online SQLite backup) is
 * written durably to `<dataDir>/<backup.dir>/roost-<time>.roostbak`, then the oldest scheduled
 * archives beyond `keep` are deleted. A failed run is logged and counted; the next one is tried on
 * time. The folder is never inside an archive (excludedFromBackup).
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigInvalidError } from '../../protocols/errors.js';
import type { MetricSample } from '../metrics/metric-sample.js';
import type { Db } from '../store/database.js';
import { createBackup } from './backup-create.js';
import { checkPassphrase } from './backup-crypto.js';
import { writeFileDurably } from './durable-write.js';

export interface BackupScheduleConfig {
  /** "off", "every N[s|m|h]" or "daily HH:MM" (local time). */
  schedule: string;
  keep: number;
  dir: string;
  passphraseFile?: string;
}

export type Schedule = { kind: 'off' } | { kind: 'every'; ms: number } | { kind: 'daily'; hour: number; minute: number };

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

export function parseSchedule(text: string): Schedule {
  if (text === 'off') return { kind: 'off' };
  const every = /^every ([1-9]\d*)([smh])$/.exec(text);
  if (every) return { kind: 'every', ms: Number(every[1]) * UNIT_MS[every[2]!]! };
  const daily = /^daily (\d\d):(\d\d)$/.exec(text);
  if (daily && Number(daily[1]) < 24 && Number(daily[2]) < 60) return { kind: 'daily', hour: Number(daily[1]), minute: Number(daily[2]) };
  throw new ConfigInvalidError(`/backup/schedule: ${JSON.stringify(text)} is not "off", "every N[s|m|h]" or "daily HH:MM"`);
}

/** The first time after `after` (ms) the schedule names; null when off. */
export function nextRun(s: Schedule, after: number): number | null {
  if (s.kind === 'off') return null;
  if (s.kind === 'every') return after + s.ms;
  const d = new Date(after);
  d.setHours(s.hour, s.minute, 0, 0);
  if (d.getTime() <= after) d.setDate(d.getDate() + 1);
  return d.getTime();
}

const NAME = /^roost-(\d{8}T\d{6}\d{3}Z)\.roostbak$/;

/** File name of a scheduled archive: sorts by time. */
export function archiveName(at: number): string {
  return `roost-${new Date(at).toISOString().replace(/[-:.]/g, '')}.roostbak`;
}

/** The passphrase from passphraseFile's first line, else ROOST_BACKUP_PASSPHRASE; null when neither is set. */
export function schedulePassphrase(c: BackupScheduleConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  const p = c.passphraseFile !== undefined ? (readFileSync(c.passphraseFile, 'utf8').split(/\r?\n/)[0] ?? '') : env['ROOST_BACKUP_PASSPHRASE'];
  return p === undefined || p === '' ? null : p;
}

export interface BackupSchedulerDeps {
  dataDir: string;
  db: Db;
  config: BackupScheduleConfig;
  passphrase: string;
  now?: () => number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Bindings write what lives outside SQLite before each archive (Hub.prepareBackup). */
  prepare?: () => Promise<unknown>;
}

export class BackupScheduler {
  runs = 0;
  failures = 0;
  pruned = 0;
  lastSuccessAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<string | null> | null = null;
  private readonly schedule: Schedule;
  private readonly now: () => number;
  readonly dir: string;

  constructor(private readonly deps: BackupSchedulerDeps) {
    this.schedule = parseSchedule(deps.config.schedule);
    checkPassphrase(deps.passphrase);
    this.now = deps.now ?? Date.now;
    this.dir = resolve(deps.dataDir, deps.config.dir);
  }

  start(): void {
    this.arm();
  }

  private arm(): void {
    const at = nextRun(this.schedule, this.now());
    if (at === null) return;
    // setTimeout holds at most 2^31-1 ms; a longer wait is re-armed on the way.
    const wait = Math.min(Math.max(0, at - this.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.now() < at) return this.arm();
      void this.runOnce().finally(() => { if (this.timer === null && !this.stopped) this.arm(); });
    }, wait);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Writes one archive and prunes beyond `keep`; returns its path, or null when it failed (logged, counted). */
  runOnce(): Promise<string | null> {
    this.running ??= this.run().finally(() => { this.running = null; });
    return this.running;
  }

  private async run(): Promise<string | null> {
    const at = this.now();
    const file = join(this.dir, archiveName(at));
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await this.deps.prepare?.();
      const bytes = await writeFileDurably(file, createBackup({ dataDir: this.deps.dataDir, db: this.deps.db, passphrase: this.deps.passphrase, now: at }));
      this.runs++;
      this.lastSuccessAt = at;
      const removed = await this.prune();
      this.deps.log?.info({ file, bytes, removed }, 'scheduled backup written');
      return file;
    } catch (err) {
      this.failures++;
      this.deps.log?.warn({ err, file }, 'scheduled backup failed');
      return null;
    }
  }

  /** Deletes the oldest scheduled archives beyond `keep`; other files in the folder are left alone. */
  async prune(): Promise<string[]> {
    const mine = (await readdir(this.dir)).filter((n) => NAME.test(n)).sort();
    const old = mine.slice(0, Math.max(0, mine.length - this.deps.config.keep));
    for (const n of old) await rm(join(this.dir, n), { force: true });
    this.pruned += old.length;
    return old;
  }

  metrics(): MetricSample[] {
    return [
      { name: 'roost_backup_scheduled_total', help: 'Scheduled backups written', type: 'counter', value: this.runs },
      { name: 'roost_backup_scheduled_failures_total', help: 'Scheduled backups that failed', type: 'counter', value: this.failures },
      { name: 'roost_backup_last_success_timestamp_seconds', help: 'When the last scheduled backup was written', type: 'gauge', value: this.lastSuccessAt === null ? 0 : Math.floor(this.lastSuccessAt / 1000) },
    ];
  }
}
