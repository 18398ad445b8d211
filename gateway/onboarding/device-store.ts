/**
 * Persistence of onboarding (`devices` table): every device a binding has seen, its admission
 * state and its credentials. Each change is one synchronous statement (durable with the
 * database's synchronous=FULL), so an approval or a revocation holds across kill -9.
 */
import type { DeviceCredentials } from '../binding.js';
import type { Db } from '../store/database.js';

export type DeviceState = 'pending' | 'approved' | 'rejected' | 'revoked';
/** How the device got its state. */
export type DeviceSource = 'seen' | 'manifest' | 'admin' | 'open';

export interface DeviceRecord {
  binding: string;
  deviceId: string;
  state: DeviceState;
  name: string | null;
  seenAs: string | null;
  claims: Record<string, unknown> | null;
  credentials: DeviceCredentials | null;
  source: DeviceSource;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  binding: string; device_id: string; state: string; name: string | null; seen_as: string | null; claims: string | null;
  credentials: string | null; source: string; created_at: number; updated_at: number;
}

function fromRow(r: Row): DeviceRecord {
  return {
    binding: r.binding, deviceId: r.device_id, state: r.state as DeviceState, name: r.name, seenAs: r.seen_as,
    claims: r.claims === null ? null : (JSON.parse(r.claims) as Record<string, unknown>),
    credentials: r.credentials === null ? null : (JSON.parse(r.credentials) as DeviceCredentials),
    source: r.source as DeviceSource, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export class DeviceStore {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly byStateStmt;
  private readonly countStmt;
  private readonly allStmt;
  private readonly deleteStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(`
      INSERT INTO devices (binding, device_id, state, name, seen_as, claims, credentials, source, created_at, updated_at)
      VALUES (@binding, @deviceId, @state, @name, @seenAs, @claims, @credentials, @source, @createdAt, @updatedAt)
      ON CONFLICT (binding, device_id) DO UPDATE SET state = excluded.state, name = excluded.name, seen_as = excluded.seen_as,
        claims = excluded.claims, credentials = excluded.credentials, source = excluded.source, updated_at = excluded.updated_at`);
    this.getStmt = db.prepare<[string, string], Row>('SELECT * FROM devices WHERE binding = ? AND device_id = ?');
    this.byStateStmt = db.prepare<[string, number], Row>('SELECT * FROM devices WHERE state = ? ORDER BY updated_at DESC LIMIT ?');
    this.countStmt = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM devices WHERE state = ?');
    this.allStmt = db.prepare<[], Row>('SELECT * FROM devices');
    this.deleteStmt = db.prepare('DELETE FROM devices WHERE binding = ? AND device_id = ?');
  }

  put(d: DeviceRecord): void {
    this.upsertStmt.run({
      ...d,
      claims: d.claims === null ? null : JSON.stringify(d.claims),
      credentials: d.credentials === null ? null : JSON.stringify(d.credentials),
    });
  }

  get(binding: string, deviceId: string): DeviceRecord | undefined {
    const r = this.getStmt.get(binding, deviceId);
    return r ? fromRow(r) : undefined;
  }

  byState(state: DeviceState, limit: number): DeviceRecord[] {
    return this.byStateStmt.all(state, limit).map(fromRow);
  }

  count(state: DeviceState): number {
    return this.countStmt.get(state)?.n ?? 0;
  }

  all(): DeviceRecord[] {
    return this.allStmt.all().map(fromRow);
  }

  delete(binding: string, deviceId: string): void {
    this.deleteStmt.run(binding, deviceId);
  }

  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
