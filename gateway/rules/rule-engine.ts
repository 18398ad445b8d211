/**
 * Runs the enabled rules: one bus subscription for all of them (its own bounded buffer), a clock
 * tick for offline and schedule triggers, then per firing: conditions, the rule's rate limit, the
 * firing recorded (when, why), the actions run one after another off the bus's path. Whatever a
 * trigger or an action throws is recorded as the rule's last error and counted; it never reaches
 * the hub.
 */
import type { Logger } from 'pino';
import type { RulesConfig } from '../config/config.js';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { BusMessage } from '../hub/types.js';
import type { MetricSample } from '../metrics/metric-sample.js';
import { runAction, type ActionDeps } from './actions.js';
import { failedCondition } from './conditions.js';
import { RateLimit } from './rate-limit.js';
import type { RuleStore } from './rule-store.js';
import type { Firing, Notification, Rule } from './rule-types.js';
import { makeTrigger, type SavedTrigger, type TriggerState } from './triggers.js';
import { postWebhook } from './webhook.js';

export interface RuleEngineDeps {
  hub: HubApi & ActionDeps['hub'];
  store: RuleStore;
  options: RulesConfig;
  now: () => number;
  logger: Logger;
  /** The wake interval the availability tracker learnt for a sleepy thing (ms), 0 if none. */
  intervalOf(thingId: string): number;
  systemThingId: string;
}

interface Running { rule: Rule; trigger: TriggerState; limit: RateLimit }

export interface RuleCounters { fires: number; suppressed: number; skipped: number; errors: number; webhooksRefused: number }

/** Bus messages a rule reads; it keeps up with ingest on its own buffer (the bus's default size). */
const MESSAGE_TYPES = ['property', 'event', 'online', 'thing', 'awake'] as const;

export class RuleEngine {
  readonly counters: RuleCounters = { fires: 0, suppressed: 0, skipped: 0, errors: 0, webhooksRefused: 0 };
  private readonly running = new Map<string, Running>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly actionDeps: ActionDeps;
  private mqttPublish: ReturnType<ActionDeps['mqtt']> = null;
  private webhooks = 0;
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RuleEngineDeps) {
    this.actionDeps = {
      hub: deps.hub,
      systemThingId: deps.systemThingId,
      mqtt: () => this.mqttPublish,
      webhook: (url, body, headers) => this.webhook(url, body, headers),
    };
  }

  /** The broker's publish, once MQTT runs (null again when it stops). */
  setMqttPublisher(publish: ReturnType<ActionDeps['mqtt']>): void {
    this.mqttPublish = publish;
  }

  start(): void {
    this.sub = this.deps.hub.subscribe((m) => this.onMessage(m), { types: MESSAGE_TYPES });
    // After a restart each rule resumes where its trigger was (thresholds disarmed, things down).
    for (const r of this.deps.store.list()) this.run(r, this.deps.store.triggerState(r.id));
    this.timer = setInterval(() => this.tick(), this.deps.options.checkIntervalMs);
    this.timer.unref();
  }

  /** Stops reading, abandons webhook retries, and waits for actions under way. */
  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    this.sub = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
    this.running.clear();
  }

  /** (Re)starts a rule after it was created or changed: its trigger starts afresh. */
  load(rule: Rule): void {
    this.deps.store.clearTriggerState(rule.id);
    this.run(rule, undefined);
  }

  private run(rule: Rule, saved: SavedTrigger | undefined): void {
    this.running.delete(rule.id);
    // Not started (rules.enabled false, or stopped): the rule is kept in the store only.
    if (!rule.enabled || !this.sub) return;
    const now = this.deps.now();
    const hub = this.deps.hub;
    const trigger = makeTrigger(rule.trigger, {
      systemThingId: this.deps.systemThingId,
      intervalOf: (id) => this.deps.intervalOf(id),
      thing: (id) => {
        try {
          const t = hub.getThing(id);
          return { sleepy: t.sleepy, online: t.online };
        } catch {
          return undefined;
        }
      },
    }, now, saved);
    const perMinute = Math.min(rule.maxFiresPerMinute ?? this.deps.options.maxFiresPerMinute, this.deps.options.maxFiresPerMinute);
    this.running.set(rule.id, { rule, trigger, limit: new RateLimit(perMinute, now) });
  }

  unload(id: string): void {
    this.running.delete(id);
  }

  /** Checks the clock-driven triggers; on a timer, public for tests. */
  tick(now = this.deps.now()): void {
    for (const r of this.running.values()) this.step(r, () => r.trigger.onTick(now));
  }

  private onMessage(m: BusMessage): void {
    const now = this.deps.now();
    for (const r of this.running.values()) this.step(r, () => r.trigger.onMessage(m, now));
  }

  /** Runs on the bus's and the timer's path: nothing it meets may escape to them. */
  private step(r: Running, evaluate: () => Firing[]): void {
    let stage = 'trigger';
    try {
      const firings = evaluate();
      stage = 'firing';
      for (const f of firings) this.fire(r, f);
      stage = 'trigger state';
      if (r.trigger.takeChanged()) this.deps.store.saveTriggerState(r.rule.id, r.trigger.saved());
    } catch (err) {
      this.failed(r.rule, `${stage}: ${(err as Error).message}`);
    }
  }

  private fire(r: Running, f: Firing): void {
    const { rule } = r;
    const hub = this.deps.hub;
    const unmet = failedCondition(rule.conditions, (thingId, property) => {
      try {
        return hub.readProperty(thingId, property)?.value;
      } catch {
        return undefined;
      }
    });
    if (unmet !== null) {
      this.counters.skipped++;
      this.deps.logger.debug({ ruleId: rule.id, reason: f.reason, unmet }, 'rule condition not met');
      return;
    }
    const now = this.deps.now();
    if (!r.limit.take(now)) {
      this.counters.suppressed++;
      this.deps.store.recordSuppressed(rule.id);
      return;
    }
    this.counters.fires++;
    this.deps.store.recordFiring(rule.id, now, f);
    this.deps.logger.info({ ruleId: rule.id, reason: f.reason }, 'rule fired');
    const n: Notification = { ruleId: rule.id, rule: rule.name, trigger: rule.trigger.type, ...f, firedAt: now };
    const run = this.runActions(rule, n).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async runActions(rule: Rule, n: Notification): Promise<void> {
    const errors: string[] = [];
    for (const a of rule.actions) {
      try {
        await runAction(a, n, rule, this.actionDeps);
      } catch (err) {
        errors.push(`${a.type}: ${(err as Error).message}`);
      }
    }
    if (errors.length > 0) this.failed(rule, errors.join('; '));
  }

  private failed(rule: Rule, message: string): void {
    this.counters.errors++;
    this.deps.logger.warn({ ruleId: rule.id, error: message }, 'rule failed');
    try {
      this.deps.store.recordError(rule.id, this.deps.now(), message);
    } catch (err) {
      // The rule may have been deleted meanwhile, or the store closed at stop.
      this.deps.logger.debug({ err, ruleId: rule.id }, 'rule error not recorded');
    }
  }

  private async webhook(url: string, body: Notification, headers: Readonly<Record<string, string>>): Promise<{ status: number; attempts: number }> {
    const o = this.deps.options;
    if (this.webhooks >= o.maxWebhooksInFlight) {
      this.counters.webhooksRefused++;
      throw new Error(`${this.webhooks} webhooks in flight (rules.maxWebhooksInFlight)`);
    }
    this.webhooks++;
    try {
      return await postWebhook(url, body, headers, { timeoutMs: o.webhookTimeoutMs, retries: o.webhookRetries, backoffMs: o.webhookBackoffMs, maxBodyBytes: o.maxWebhookBodyBytes }, this.abort.signal);
    } finally {
      this.webhooks--;
    }
  }

  /** Waits until the actions under way are done (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  metrics(rules: number, failing: number): MetricSample[] {
    const c = this.counters;
    return [
      { name: 'roost_rules', help: 'Rules kept.', type: 'gauge', value: rules },
      { name: 'roost_rules_running', help: 'Enabled rules running.', type: 'gauge', value: this.running.size },
      { name: 'roost_rules_failing', help: 'Rules whose last run failed.', type: 'gauge', value: failing },
      { name: 'roost_rule_fires_total', help: 'Rule firings (conditions met, within the rate limit).', type: 'counter', value: c.fires },
      { name: 'roost_rule_suppressed_total', help: 'Firings dropped by a rule\'s rate limit.', type: 'counter', value: c.suppressed },
      { name: 'roost_rule_skipped_total', help: 'Firings whose conditions did not hold.', type: 'counter', value: c.skipped },
      { name: 'roost_rule_errors_total', help: 'Rule runs that failed (a trigger or an action threw).', type: 'counter', value: c.errors },
      { name: 'roost_rule_webhooks_refused_total', help: 'Webhook deliveries refused over rules.maxWebhooksInFlight.', type: 'counter', value: c.webhooksRefused },
    ];
  }
}
