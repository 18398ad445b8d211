/**
 * Persistence of the action queue (`actions` table). Every state change is one synchronous
 * statement, so after a crash every item is there, in order (seq), exactly once.
 */
import type { QueuedKind, QueuedState } from '../binding.js';
import type { ActionView, Transition } from '../hub/types.js';
import type { Db } from './database.js';

interface ActionRow {
  id: string;
  seq: number;
  thing_id: string;
  kind: string;
  name: string;
  input: string | null;
  state: string;
  output: string | null;
  error: string | null;
  attempts: number;
  requested_by: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
  transitions: string;
}

/** An item as the queue keeps it: the API view plus its order. */
export interface StoredAction extends ActionView {
  seq: number;
  requestedBy: string | null;
}

const ACTIVE: readonly QueuedState[] = ['queued', 'sent'];

function parse(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

function fromRow(r: ActionRow): StoredAction {
  const view: StoredAction = {
    id: r.id,
    seq: r.seq,
    thingId: r.thing_id,
    kind: r.kind as QueuedKind,
    name: r.name,
    input: parse(r.input),
    state: r.state as QueuedState,
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    transitions: JSON.parse(r.transitions) as Transition[],
    requestedBy: r.requested_by,
  };
  if (r.output !== null) view.output = parse(r.output);
  if (r.error !== null) view.error = r.error;
  return view;
}

export class QueueStore {
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly getStmt;
  private readonly activeStmt;
  private readonly listStmt;
  private readonly maxSeqStmt;
  private readonly dueStmt;
  private readonly purgeStmt;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    this.insertStmt = db.prepare(`
      INSERT INTO actions (id, seq, thing_id, kind, name, input, state, attempts, requested_by, created_at, updated_at, expires_at, transitions)
      VALUES (@id, @seq, @thingId, @kind, @name, @input, @state, @attempts, @requestedBy, @createdAt, @updatedAt, @expiresAt, @transitions)`);
    this.updateStmt = db.prepare(`
      UPDATE actions SET state = @state, output = @output, error = @error, attempts = @attempts,
        updated_at = @updatedAt, transitions = @transitions WHERE id = @id`);
    this.getStmt = db.prepare<[string], ActionRow>('SELECT * FROM actions WHERE id = ?');
    this.activeStmt = db.prepare<[], ActionRow>(`SELECT * FROM actions WHERE state IN ('queued', 'sent', 'delivered') ORDER BY seq`);
    this.listStmt = db.prepare<[string, number], ActionRow>('SELECT * FROM actions WHERE thing_id = ? ORDER BY seq DESC LIMIT ?');
    this.maxSeqStmt = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM actions').pluck();
    this.dueStmt = db.prepare<[number], ActionRow>(`SELECT * FROM actions WHERE state = 'queued' AND expires_at <= ? ORDER BY seq`);
    this.purgeStmt = db.prepare(`DELETE FROM actions WHERE state NOT IN ('queued', 'sent', 'delivered') AND updated_at < ?`);
  }

  maxSeq(): number {
    return this.maxSeqStmt.get() as number;
  }

  insert(a: StoredAction): void {
    this.insertStmt.run({
      id: a.id,
      seq: a.seq,
      thingId: a.thingId,
      kind: a.kind,
      name: a.name,
      input: a.input === undefined ? null : JSON.stringify(a.input),
      state: a.state,
      attempts: a.attempts,
      requestedBy: a.requestedBy,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
      expiresAt: a.expiresAt,
      transitions: JSON.stringify(a.transitions),
    });
  }

  update(a: StoredAction): void {
    this.updateStmt.run({
      id: a.id,
      state: a.state,
      output: a.output === undefined ? null : JSON.stringify(a.output),
      error: a.error ?? null,
      attempts: a.attempts,
      updatedAt: a.updatedAt,
      transitions: JSON.stringify(a.transitions),
    });
  }

  /** Runs fn in one transaction (several updates that must land together). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get(id: string): StoredAction | undefined {
    const row = this.getStmt.get(id);
    return row ? fromRow(row) : undefined;
  }

  /** Every queued, sent or delivered item, in queue order. */
  active(): StoredAction[] {
    return this.activeStmt.all().map(fromRow);
  }

  /** Newest first. */
  list(thingId: string, limit: number): StoredAction[] {
    return this.listStmt.all(thingId, limit).map(fromRow);
  }

  /** Queued items whose TTL ran out by `now`. */
  due(now: number): StoredAction[] {
    return this.dueStmt.all(now).map(fromRow);
  }

  /** Deletes finished items last changed before `before`. */
  purgeFinished(before: number): number {
    return this.purgeStmt.run(before).changes;
  }

  static isActive(state: QueuedState): boolean {
    return ACTIVE.includes(state);
  }
}
