/**
 * Rules in SQLite (`rules`, migration 6): the definition as JSON next to what the rule did last
 * (when it fired and why, its last error, counters), written as it happens so the API shows it
 * and it survives a restart. A running rule's trigger state (thresholds disarmed, things reported
 * offline) is kept beside it in `meta` under `rule_trigger:<id>`, written when it changes, so a
 * restart neither repeats a notification nor forgets to send the matching "back" one.
 */
import type { Db } from '../store/database.js';
import type { Firing, Rule, RuleView } from './rule-types.js';
import type { SavedTrigger } from './triggers.js';

const triggerKey = (id: string): string => `rule_trigger:${id}`;

interface Row {
  id: string; name: string; enabled: number; definition: string; created_by: string; role: string; created_at: number; updated_at: number;
  last_fired_at: number | null; last_firing: string | null; last_error: string | null; last_error_at: number | null;
  fires: number; errors: number; suppressed: number;
}

/** The parts of a rule kept in `definition` (the rest has columns). */
type Definition = Pick<Rule, 'trigger' | 'conditions' | 'actions' | 'maxFiresPerMinute'>;

function toView(r: Row): RuleView {
  const d = JSON.parse(r.definition) as Definition;
  return {
    id: r.id, name: r.name, enabled: r.enabled === 1, trigger: d.trigger, conditions: d.conditions, actions: d.actions,
    ...(d.maxFiresPerMinute !== undefined ? { maxFiresPerMinute: d.maxFiresPerMinute } : {}),
    createdBy: r.created_by, role: r.role, createdAt: r.created_at, updatedAt: r.updated_at,
    status: {
      lastFiredAt: r.last_fired_at,
      lastFiring: r.last_firing === null ? null : (JSON.parse(r.last_firing) as Firing),
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      fires: r.fires, errors: r.errors, suppressed: r.suppressed,
      // The run of the last firing failed (its error is recorded after the firing itself).
      failing: r.last_error_at !== null && (r.last_fired_at === null || r.last_error_at >= r.last_fired_at),
    },
  };
}

function definition(rule: Rule): string {
  const d: Definition = { trigger: rule.trigger, conditions: rule.conditions, actions: rule.actions, ...(rule.maxFiresPerMinute !== undefined ? { maxFiresPerMinute: rule.maxFiresPerMinute } : {}) };
  return JSON.stringify(d);
}

export class RuleStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare('INSERT INTO rules (id, name, enabled, definition, created_by, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      update: db.prepare('UPDATE rules SET name = ?, enabled = ?, definition = ?, role = ?, updated_at = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM rules WHERE id = ?'),
      get: db.prepare('SELECT * FROM rules WHERE id = ?'),
      list: db.prepare('SELECT * FROM rules ORDER BY created_at, id'),
      count: db.prepare('SELECT count(*) AS n FROM rules'),
      fired: db.prepare('UPDATE rules SET last_fired_at = ?, last_firing = ?, fires = fires + 1 WHERE id = ?'),
      failed: db.prepare('UPDATE rules SET last_error = ?, last_error_at = ?, errors = errors + 1 WHERE id = ?'),
      suppressed: db.prepare('UPDATE rules SET suppressed = suppressed + 1 WHERE id = ?'),
      triggerGet: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      triggerSet: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      triggerClear: db.prepare('DELETE FROM meta WHERE key = ?'),
    };
  }

  insert(rule: Rule): void {
    this.s.insert.run(rule.id, rule.name, rule.enabled ? 1 : 0, definition(rule), rule.createdBy, rule.role, rule.createdAt, rule.updatedAt);
  }

  /** Replaces the definition of an existing rule; its creation and status stay. */
  update(rule: Rule): void {
    this.s.update.run(rule.name, rule.enabled ? 1 : 0, definition(rule), rule.role, rule.updatedAt, rule.id);
  }

  remove(id: string): boolean {
    this.clearTriggerState(id);
    return this.s.remove.run(id).changes > 0;
  }

  get(id: string): RuleView | undefined {
    const row = this.s.get.get(id) as Row | undefined;
    return row ? toView(row) : undefined;
  }

  list(): RuleView[] {
    return (this.s.list.all() as Row[]).map(toView);
  }

  count(): number {
    return (this.s.count.get() as { n: number }).n;
  }

  recordFiring(id: string, at: number, firing: Firing): void {
    this.s.fired.run(at, JSON.stringify(firing), id);
  }

  recordError(id: string, at: number, message: string): void {
    this.s.failed.run(message, at, id);
  }

  recordSuppressed(id: string): void {
    this.s.suppressed.run(id);
  }

  /** The trigger state kept for a rule, or undefined (none kept, or unreadable: it then starts afresh). */
  triggerState(id: string): SavedTrigger | undefined {
    const json = this.s.triggerGet.get(triggerKey(id)) as string | undefined;
    if (json === undefined) return undefined;
    try {
      const v = JSON.parse(json) as unknown;
      return typeof v === 'object' && v !== null ? (v as SavedTrigger) : undefined;
    } catch {
      return undefined;
    }
  }

  saveTriggerState(id: string, state: SavedTrigger | undefined): void {
    if (state === undefined) this.clearTriggerState(id);
    else this.s.triggerSet.run(triggerKey(id), JSON.stringify(state));
  }

  clearTriggerState(id: string): void {
    this.s.triggerClear.run(triggerKey(id));
  }
}
