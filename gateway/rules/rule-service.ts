/**
 * Managing rules (GET/POST/PUT/PATCH/DELETE /rules): every change is checked against the rule
 * schema and the limits, stored, and handed to the engine, which restarts that rule's trigger.
 * A rule runs with the role of whoever wrote it last.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, RouteNotFoundError } from '../../protocols/errors.js';
import type { Principal } from '../auth/users.js';
import { mergePatch } from '../hub/directory.js';
import type { RuleEngine } from './rule-engine.js';
import type { RuleStore } from './rule-store.js';
import type { Rule, RuleInput, RuleView } from './rule-types.js';
import { checkRule } from './rule-validator.js';

export interface RuleServiceDeps {
  store: RuleStore;
  engine: RuleEngine;
  maxRules: number;
  now: () => number;
}

export class RuleService {
  constructor(private readonly deps: RuleServiceDeps) {}

  list(): RuleView[] {
    return this.deps.store.list();
  }

  get(id: string): RuleView {
    const r = this.deps.store.get(id);
    if (!r) throw new RouteNotFoundError(`no rule ${id}`, { ruleId: id });
    return r;
  }

  create(input: unknown, by: Principal): RuleView {
    const checked = checkRule(input);
    const id = checked.id ?? `rule-${randomBytes(4).toString('hex')}`;
    if (this.deps.store.get(id)) throw new ConflictError(`rule ${id} exists`, { ruleId: id });
    this.roomForOneMore();
    const now = this.deps.now();
    const rule = this.rule(id, checked, by, now, now);
    this.deps.store.insert(rule);
    this.deps.engine.load(rule);
    return this.get(id);
  }

  /** PUT: replaces a rule, or creates it under this id. */
  replace(id: string, input: unknown, by: Principal): { created: boolean; rule: RuleView } {
    const checked = checkRule(input);
    if (checked.id !== undefined && checked.id !== id) throw new ConflictError(`the body's id ${checked.id} is not the path's ${id}`);
    const old = this.deps.store.get(id);
    if (!old) return { created: true, rule: this.create({ ...checked, id }, by) };
    return { created: false, rule: this.update(old, checked, by) };
  }

  /** PATCH: an RFC 7396 merge patch into the stored rule, checked as a whole afterwards. */
  patch(id: string, patch: Record<string, unknown>, by: Principal): RuleView {
    if ('id' in patch && patch['id'] !== id) throw new ConflictError(`a rule's id cannot change (${id})`);
    const old = this.get(id);
    const { id: _id, createdBy: _c, role: _r, createdAt: _a, updatedAt: _u, status: _s, ...current } = old;
    return this.update(old, checkRule(mergePatch(current, { ...patch, id: null })), by);
  }

  remove(id: string): void {
    if (!this.deps.store.remove(id)) throw new RouteNotFoundError(`no rule ${id}`, { ruleId: id });
    this.deps.engine.unload(id);
  }

  private update(old: RuleView, input: RuleInput, by: Principal): RuleView {
    const rule = this.rule(old.id, input, by, old.createdAt, this.deps.now());
    rule.createdBy = old.createdBy;
    this.deps.store.update(rule);
    this.deps.engine.load(rule);
    return this.get(old.id);
  }

  private roomForOneMore(): void {
    const n = this.deps.store.count();
    if (n >= this.deps.maxRules) throw new ConflictError(`${n} rules already: rules.maxRules is ${this.deps.maxRules}`, { maxRules: this.deps.maxRules });
  }

  private rule(id: string, i: RuleInput, by: Principal, createdAt: number, updatedAt: number): Rule {
    return {
      id, name: i.name, enabled: i.enabled ?? true, trigger: i.trigger, conditions: i.conditions ?? [], actions: i.actions,
      ...(i.maxFiresPerMinute !== undefined ? { maxFiresPerMinute: i.maxFiresPerMinute } : {}),
      createdBy: by.username, role: by.role, createdAt, updatedAt,
    };
  }
}
