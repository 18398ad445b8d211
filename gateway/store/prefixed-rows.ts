/**
 * Rows of one of the key-value tables (`meta`, `uplink_state`) whose keys share a prefix, with
 * JSON values that their owner parses: what a module keeps across restarts one row at a time
 * (pending replies, rule trigger state, Hono commands). Rows the owner cannot parse are removed
 * when loaded and counted, so a damaged row is reported once and never blocks a start.
 */
import type { Db } from './database.js';

export type KeyValueTable = 'meta' | 'uplink_state';

export class PrefixedRows<T> {
  private readonly putStmt;
  private readonly delStmt;
  private readonly allStmt;

  /** `parse` answers the row for a key (without the prefix) and its parsed JSON value, or null when it is not one. */
  constructor(db: Db, table: KeyValueTable, private readonly prefix: string, private readonly parse: (key: string, value: unknown) => T | null) {
    if (prefix.length === 0) throw new RangeError('a row prefix must not be empty');
    // Every key with the prefix, by the primary key: from the prefix to the prefix with its last character + 1.
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    this.putStmt = db.prepare(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    this.delStmt = db.prepare(`DELETE FROM ${table} WHERE key = ?`);
    this.allStmt = db.prepare(`SELECT key, value FROM ${table} WHERE key >= ? AND key < ?`).bind(prefix, upper);
  }

  put(key: string, value: unknown): void {
    this.putStmt.run(this.prefix + key, JSON.stringify(value));
  }

  remove(key: string): void {
    this.delStmt.run(this.prefix + key);
  }

  /** Every row, in key order; the unreadable ones are removed and counted. */
  load(): { rows: T[]; unreadable: number } {
    const rows: T[] = [];
    let unreadable = 0;
    for (const { key, value } of this.allStmt.all() as Array<{ key: string; value: string }>) {
      let row: T | null = null;
      try {
        row = this.parse(key.slice(this.prefix.length), JSON.parse(value));
      } catch {
        row = null;
      }
      if (row) rows.push(row);
      else {
        unreadable++;
        this.delStmt.run(key);
      }
    }
    return { rows, unreadable };
  }
}
