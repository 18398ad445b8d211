/**
 * Keeps room on the data partition (issue 17 item 3). Every intervalMs it reads the free space
 * (statfs of the data dir plus SQLite's free pages, which new rows reuse before the file grows);
 * below lowFreeBytes it deletes history oldest-first (by seq, the order rows were written) in
 * batches until resumeFreeBytes is free again or no history is left, so the action queue,
 * registrations and device state keep room: history goes before anything else is refused. A
 * prune that itself meets a full disk (SQLITE_FULL) is counted and tried again next time, never
 * thrown: SQLite rolls the statement back, the database stays whole.
 */
import { rmSync, statfsSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricSample } from '../metrics/metric-sample.js';
import type { Db } from '../store/database.js';

export interface DiskWatcherOptions {
  /** How often the free space is read. */
  intervalMs: number;
  /** Below this many free bytes, history is pruned. */
  lowFreeBytes: number;
  /** Pruning goes on until this many bytes are free (above lowFreeBytes: hysteresis). */
  resumeFreeBytes: number;
  /** History rows deleted per transaction while pruning. */
  pruneBatchRows: number;
  /**
   * A file of this many bytes kept in the data dir and deleted when a prune meets a full disk (a
   * DELETE needs WAL room too), made again once there is room; 0 for none.
   */
  reserveBytes: number;
}

export const DEFAULT_DISK_OPTIONS: DiskWatcherOptions = {
  intervalMs: 30_000, lowFreeBytes: 64 * 1024 * 1024, resumeFreeBytes: 96 * 1024 * 1024, pruneBatchRows: 5000, reserveBytes: 4 * 1024 * 1024,
};

/** What the watcher tells the gateway when the disk runs low (an event on the system thing). */
export interface DiskLowEvent { freeBytes: number; lowFreeBytes: number; prunedRows: number; historyLeft: boolean }

export interface DiskWatcherDeps {
  dataDir: string;
  db: Db;
  options: DiskWatcherOptions;
  /** Writes buffered history first, so that what is pruned is on disk and ordered. */
  flush?: () => void;
  onLow?: (e: DiskLowEvent) => void;
  /** Free bytes of the file system (tests pass their own); synchronous, so that nothing else takes the room between a prune and its measure. */
  freeBytes?: (dir: string) => number;
  log?: { warn(obj: object, msg: string): void };
}

function statfsFree(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export class DiskWatcher {
  freeBytes = 0;
  low = false;
  prunedRows = 0;
  prunes = 0;
  pruneFailures = 0;
  private reserved = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly deleteOldest;

  constructor(private readonly deps: DiskWatcherDeps) {
    // history_seq (migration 4) makes this a range scan from the oldest row.
    this.deleteOldest = deps.db.prepare('DELETE FROM history WHERE seq IN (SELECT seq FROM history ORDER BY seq LIMIT ?)');
  }

  /** Makes the reserve file; start() does it too. */
  async init(): Promise<void> {
    await this.keepReserve();
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.deps.options.intervalMs);
    this.timer.unref();
    void this.check();
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.running ?? Promise.resolve();
  }

  private fsFree(): number {
    return (this.deps.freeBytes ?? statfsFree)(this.deps.dataDir);
  }

  /**
   * Moves the WAL into the database and cuts the file to nothing: the WAL's room is the first thing
   * a low disk gets back, and free pages count only once their frames are checkpointed (a write
   * goes to the WAL, which cannot grow on a full disk). A checkpoint that fails is tried next time.
   */
  private checkpoint(): void {
    try {
      this.deps.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      this.pruneFailures++;
    }
  }

  /** Free bytes as the database sees them: the file system's plus SQLite's free pages. */
  private available(): number {
    const fs = this.fsFree();
    const pages = this.deps.db.pragma('freelist_count', { simple: true }) as number;
    const pageSize = this.deps.db.pragma('page_size', { simple: true }) as number;
    return fs + pages * pageSize;
  }

  /** One look at the disk, pruning if it is low. Never throws. */
  check(): Promise<void> {
    this.running ??= this.run().finally(() => { this.running = null; });
    return this.running;
  }

  private async run(): Promise<void> {
    const o = this.deps.options;
    try {
      // Measured before any checkpoint: the WAL's room counts as used, or a batch of history that
      // is retried on a full disk would take it back every time and nothing would be pruned.
      this.freeBytes = this.available();
      if (this.freeBytes >= o.lowFreeBytes) {
        this.low = false;
        await this.keepReserve();
        return;
      }
      this.checkpoint();
      const wasLow = this.low;
      this.low = true;
      let pruned = 0;
      let historyLeft = true;
      try {
        this.deps.flush?.();
      } catch {
        // A full disk refused the batch; it stays buffered (history-store.ts) and pruning makes room for it.
      }
      while (this.freeBytes < o.resumeFreeBytes) {
        let n: number;
        try {
          n = this.pruneBatch();
        } catch (err) {
          this.pruneFailures++;
          if (!this.reserved) {
            this.deps.log?.warn({ err }, 'pruning history on a full disk failed; trying again later');
            break;
          }
          // The disk is full to the last byte: give up the reserve, let a checkpoint use it to move the
          // WAL into the database and cut the WAL back, then the DELETE has room. Synchronously, so that
          // no retried history batch takes the room first.
          rmSync(this.reservePath(), { force: true });
          this.reserved = false;
          this.checkpoint();
          continue;
        }
        pruned += n;
        this.freeBytes = this.available();
        if (n < o.pruneBatchRows) {
          historyLeft = false;
          break;
        }
      }
      if (pruned > 0) this.prunes++;
      this.prunedRows += pruned;
      if (pruned > 0 || !wasLow) {
        this.deps.log?.warn({ freeBytes: this.freeBytes, pruned }, 'data partition low: history pruned oldest-first');
        this.deps.onLow?.({ freeBytes: this.freeBytes, lowFreeBytes: o.lowFreeBytes, prunedRows: pruned, historyLeft });
      }
      if (this.freeBytes >= o.lowFreeBytes) this.low = false;
    } catch (err) {
      this.deps.log?.warn({ err }, 'disk check failed');
    }
  }

  private pruneBatch(): number {
    const n = this.deleteOldest.run(this.deps.options.pruneBatchRows).changes;
    // A database made with auto_vacuum = INCREMENTAL (store/database.ts) gives the freed pages back to
    // the file system; then a checkpoint moves it all into the main file and cuts the WAL.
    this.deps.db.pragma('incremental_vacuum');
    this.checkpoint();
    return n;
  }

  private reservePath(): string {
    return join(this.deps.dataDir, '.disk-reserve');
  }

  /**
   * Makes the reserve file again when the file system itself (free pages aside) has room for it. A
   * reserve left by the last run, whole and allocated, is kept as it is: no rewrite and fsync of
   * megabytes at every start. It is written from one small zeroed chunk, so no buffer of its size
   * stays in the heap.
   */
  private async keepReserve(): Promise<void> {
    const bytes = this.deps.options.reserveBytes;
    if (this.reserved || bytes <= 0) return;
    if (await reserveInPlace(this.reservePath(), bytes)) {
      this.reserved = true;
      return;
    }
    if (this.fsFree() < this.deps.options.lowFreeBytes + bytes) return;
    try {
      await writeZeros(this.reservePath(), bytes);
      this.reserved = true;
    } catch {
      await rm(this.reservePath(), { force: true }).catch(() => undefined);
    }
  }

  metrics(): MetricSample[] {
    return [
      { name: 'roost_disk_free_bytes', help: 'Free bytes on the data partition, SQLite free pages included', type: 'gauge', value: this.freeBytes },
      { name: 'roost_disk_low', help: '1 while the data partition is below disk.lowFreeBytes', type: 'gauge', value: this.low ? 1 : 0 },
      { name: 'roost_disk_history_pruned_rows_total', help: 'History rows deleted oldest-first to free the data partition', type: 'counter', value: this.prunedRows },
      { name: 'roost_disk_prune_failures_total', help: 'Prunes that met a full disk themselves', type: 'counter', value: this.pruneFailures },
    ];
  }
}

const ZEROS = 64 * 1024;

/** True when the file is there with exactly `bytes` bytes, all of them allocated (not sparse). */
async function reserveInPlace(path: string, bytes: number): Promise<boolean> {
  try {
    const st = await stat(path);
    return st.isFile() && st.size === bytes && st.blocks * 512 >= bytes;
  } catch {
    return false;
  }
}

/** Writes `bytes` zero bytes to a new file (mode 0600) and flushes it to the disk. */
async function writeZeros(path: string, bytes: number): Promise<void> {
  const zeros = Buffer.alloc(Math.min(ZEROS, bytes));
  const f = await open(path, 'w', 0o600);
  try {
    for (let left = bytes; left > 0; left -= zeros.length) await f.write(zeros, 0, Math.min(zeros.length, left));
    await f.sync();
  } finally {
    await f.close();
  }
}
