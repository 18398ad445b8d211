/**
 * The action types as one table. Each gets the notification (what fired, why) and the rule, and
 * resolves with a short word on what it did or throws what went wrong; the engine records either.
 * Actions on other things go through the hub's queue like any request, with the rule's role and
 * `rule:<id>` as the requester.
 */
import { ForbiddenError } from '../../protocols/errors.js';
import type { HubApi } from '../hub/hub-api.js';
import type { Action, ActionType, Notification, Rule } from './rule-types.js';

/** Where MQTT notifications go: `gateway/notifications/<rule id>`, or `<topic>` under it. */
export const NOTIFICATION_TOPIC_ROOT = 'gateway/notifications';
/** The event the gateway thing emits for the `event` action. */
export const RULE_FIRED_EVENT = 'ruleFired';
/** Roles whose rules may act on things (those that manage rules). */
const ACTING_ROLES: ReadonlySet<string> = new Set(['admin', 'operator']);

export interface ActionDeps {
  hub: Pick<HubApi, 'invokeAction' | 'writeProperty' | 'getThing'> & { recordEvent(thingId: string, name: string, data: unknown, ts: number): void };
  systemThingId: string;
  /** Publishes on the gateway's broker; null while MQTT is off. */
  mqtt(): ((topic: string, payload: Buffer, retain: boolean) => Promise<void>) | null;
  webhook(url: string, body: Notification, headers: Readonly<Record<string, string>>): Promise<{ status: number; attempts: number }>;
}

type Runner<A> = (a: A, n: Notification, rule: Rule, deps: ActionDeps) => Promise<string>;
type Runners = { [K in ActionType]: Runner<Extract<Action, { type: K }>> };

function mayAct(rule: Rule): void {
  if (!ACTING_ROLES.has(rule.role)) throw new ForbiddenError(`rule ${rule.id} runs as role ${rule.role}, which may not act on things`);
}

export function notificationTopic(rule: Rule, topic?: string): string {
  return `${NOTIFICATION_TOPIC_ROOT}/${topic ?? rule.id}`;
}

const ACTIONS: Runners = {
  async event(_a, n, _rule, deps) {
    deps.hub.getThing(deps.systemThingId);
    deps.hub.recordEvent(deps.systemThingId, RULE_FIRED_EVENT, n, n.firedAt);
    return `event ${RULE_FIRED_EVENT}`;
  },
  async mqtt(a, n, rule, deps) {
    const publish = deps.mqtt();
    if (!publish) throw new Error('the MQTT broker is not running');
    const topic = notificationTopic(rule, a.topic);
    await publish(topic, Buffer.from(JSON.stringify(n)), false);
    return `published ${topic}`;
  },
  async webhook(a, n, _rule, deps) {
    const r = await deps.webhook(a.url, n, a.headers ?? {});
    return `webhook ${r.status} after ${r.attempts} attempt(s)`;
  },
  async invoke(a, _n, rule, deps) {
    mayAct(rule);
    const view = deps.hub.invokeAction(a.thingId, a.action, a.input, { requestedBy: `rule:${rule.id}` });
    return `action ${view.id} ${view.state}`;
  },
  async write(a, _n, rule, deps) {
    mayAct(rule);
    const view = deps.hub.writeProperty(a.thingId, a.property, a.value, { requestedBy: `rule:${rule.id}` });
    return `write ${view.id} ${view.state}`;
  },
};

export function runAction(a: Action, n: Notification, rule: Rule, deps: ActionDeps): Promise<string> {
  const run = ACTIONS[a.type] as Runner<Action>;
  return run(a, n, rule, deps);
}
