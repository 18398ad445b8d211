/**
 * Hono request-response commands kept across restarts (rows of `uplink_state` under `hono:`): each
 * command waiting for its queue item to finish, and each response that could not go out because
 * the link was down. A command for a sleeping device may wait hours for its wake; a gateway restart
 * meanwhile must not leave the Hono application without its answer. Writes are single rows, made
 * when a command arrives and when its answer is published, so they cost nothing on the data path.
 */
import type { Db } from '../store/database.js';
import { PrefixedRows } from '../store/prefixed-rows.js';

/** A request-response command: the thing it was for and Hono's request id. */
export interface HonoRequest { thingId: string; reqId: string }

/** An answer kept until the link takes it. */
export interface HonoUnsent { status: number; body: unknown }

export interface HonoPendingRow { key: string; request: HonoRequest; unsent?: HonoUnsent; at: number }

export class HonoPendingStore {
  private readonly rows: PrefixedRows<HonoPendingRow>;

  constructor(db: Db) {
    this.rows = new PrefixedRows(db, 'uplink_state', 'hono:', parseRow);
  }

  /** Keeps a command (key: its queue item id) or an answer not yet sent (key of the caller's choosing). */
  save(key: string, request: HonoRequest, at: number, unsent?: HonoUnsent): void {
    this.rows.put(key, unsent ? { ...request, at, unsent } : { ...request, at });
  }

  remove(key: string): void {
    this.rows.remove(key);
  }

  /** Everything kept, oldest first (by `at`); rows that do not parse are dropped (and counted by the caller). */
  load(): { rows: HonoPendingRow[]; unreadable: number } {
    const loaded = this.rows.load();
    loaded.rows.sort((a, b) => a.at - b.at);
    return loaded;
  }
}

function parseRow(key: string, value: unknown): HonoPendingRow | null {
  const v = value as { thingId?: unknown; reqId?: unknown; at?: unknown; unsent?: { status?: unknown; body?: unknown } } | null;
  if (typeof v?.thingId !== 'string' || typeof v.reqId !== 'string' || typeof v.at !== 'number') return null;
  const request = { thingId: v.thingId, reqId: v.reqId };
  if (v.unsent === undefined) return { key, request, at: v.at };
  if (typeof v.unsent?.status !== 'number') return null;
  return { key, request, at: v.at, unsent: { status: v.unsent.status, body: v.unsent.body ?? null } };
}
