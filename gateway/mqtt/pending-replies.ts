/**
 * Final replies an MQTT requester is still owed, kept across restarts: one row of `meta` per
 * request waiting for its queue item, under a prefix per handler (the local broker's, the
 * uplink's). A request for a sleeping device may wait hours for its wake; a gateway restart
 * meanwhile must not leave the requester without its final reply (requests.ts). A row is written
 * when a request starts waiting and removed when its final reply is made, so the data path pays
 * nothing for it.
 */
import type { Db } from '../store/database.js';
import { PrefixedRows } from '../store/prefixed-rows.js';

/** Where a final reply goes and what it echoes. */
export interface OwedReply {
  topic: string;
  /** The request's correlation data, when it had one (echoed unchanged). */
  correlation: { correlationData?: unknown };
  /** When the request started waiting (ms). */
  at: number;
}

export interface OwedReplyRow extends OwedReply { itemId: string }

export class PendingReplyStore {
  private readonly rows: PrefixedRows<OwedReplyRow>;

  /** `prefix` names the handler, e.g. `mqtt-reply:`; its keys are `<prefix><queue item id>`. */
  constructor(db: Db, prefix: string) {
    this.rows = new PrefixedRows(db, 'meta', prefix, parseRow);
  }

  save(itemId: string, reply: OwedReply): void {
    this.rows.put(itemId, reply);
  }

  remove(itemId: string): void {
    this.rows.remove(itemId);
  }

  /** Everything kept, oldest first; rows that do not parse are removed and counted. */
  load(): { rows: OwedReplyRow[]; unreadable: number } {
    const loaded = this.rows.load();
    loaded.rows.sort((a, b) => a.at - b.at);
    return loaded;
  }
}

function parseRow(itemId: string, value: unknown): OwedReplyRow | null {
  const v = value as { topic?: unknown; correlation?: unknown; at?: unknown } | null;
  if (typeof v?.topic !== 'string' || typeof v.at !== 'number' || v.correlation === null || typeof v.correlation !== 'object') return null;
  const c = v.correlation as { correlationData?: unknown };
  return { itemId, topic: v.topic, at: v.at, correlation: 'correlationData' in c ? { correlationData: c.correlationData } : {} };
}
