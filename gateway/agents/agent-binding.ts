/**
 * The `agent` binding (docs/agents.md): bindings out of process. A process logged in as a user
 * with the `agent` role speaks MQTT under `agents/{agent}/...` (gateway/mqtt/agent-bridge.ts) or
 * HTTP under `/agents/{agent}/...` (gateway/api/routes/agents.ts); this one in-process binding
 * is the one state machine both transports feed. It maps that traffic onto its BindingContext,
 * so an agent's things get the same queue semantics as any binding's (awake window, result
 * timeout, at least once with ids). Thing ids are
 * `urn:roost:agent:{agent}:{device}`; an agent touches only its own. Agent things do not wait for
 * onboarding: the agent user is trusted by its credentials, and removing that user (or taking its
 * agent role) cuts it off (docs/agents.md "Trust").
 *
 * Every agent thing is registered sleepy and answers only through its agent: while the agent is
 * connected an always-on device is kept awake (a window renewed on every uplink), a device the
 * agent declared sleepy is awake only when the agent says so. When the agent's last session goes
 * (disconnect, last will, an HTTP agent silent for httpSessionTimeoutMs), its things go offline
 * and their queues wait.
 */
import type { Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem, QueuedKind, ThingDescription } from '../binding.js';
import { ValueValidator } from '../hub/value-validator.js';
import { AffordanceNotFoundError, BadRequestError, BindingUnavailableError, ForbiddenError, RateLimitedError, ValueInvalidError } from '../../protocols/errors.js';

export const AGENT_BINDING = 'agent';
export const AGENTS_ROOT = 'agents';
export const DEVICE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface AgentOptions {
  /** Awake window of an always-on agent device, renewed on each uplink (ms). */
  alwaysOnWindowMs: number;
  /** Messages one agent may send per second; beyond, they are refused and counted. */
  maxMessagesPerSecond: number;
  /** Things one agent may own. */
  maxThingsPerAgent: number;
  /** An HTTP agent that sends no request for this long is gone: its things go offline (ms). */
  httpSessionTimeoutMs: number;
  /** Longest wait of one HTTP long poll for items (ms); a poll asks for less with `waitMs`. */
  maxPollWaitMs: number;
  /**
   * MQTT error reports (`agents/{agent}/errors`) waiting for delivery at once, all agents together;
   * beyond, a refusal is counted but not reported. Each one waiting holds a slot of the broker's
   * shared delivery window while an agent's session does not read.
   */
  maxErrorReportsInFlight: number;
}

export const DEFAULT_AGENT_OPTIONS: AgentOptions = {
  alwaysOnWindowMs: 24 * 3600_000, maxMessagesPerSecond: 200, maxThingsPerAgent: 256, httpSessionTimeoutMs: 60_000, maxPollWaitMs: 30_000, maxErrorReportsInFlight: 16,
};

export const optionsSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    alwaysOnWindowMs: { type: 'integer', minimum: 1000, default: DEFAULT_AGENT_OPTIONS.alwaysOnWindowMs },
    maxMessagesPerSecond: { type: 'integer', minimum: 1, default: DEFAULT_AGENT_OPTIONS.maxMessagesPerSecond },
    maxThingsPerAgent: { type: 'integer', minimum: 1, default: DEFAULT_AGENT_OPTIONS.maxThingsPerAgent },
    httpSessionTimeoutMs: { type: 'integer', minimum: 100, default: DEFAULT_AGENT_OPTIONS.httpSessionTimeoutMs },
    maxPollWaitMs: { type: 'integer', minimum: 0, default: DEFAULT_AGENT_OPTIONS.maxPollWaitMs },
    maxErrorReportsInFlight: { type: 'integer', minimum: 1, default: DEFAULT_AGENT_OPTIONS.maxErrorReportsInFlight },
  },
} as const;

/** A queued item as an agent sees it (MQTT `.../items`, HTTP `GET /agents/{agent}/items`). */
export interface AgentItem {
  id: string;
  kind: QueuedKind;
  name: string;
  input: unknown;
  attempt: number;
  expiresAt: number;
}

/** One session of a connected agent: how the binding hands it an item (MQTT bridge, HTTP sessions). */
export interface AgentLink {
  /**
   * False while the session cannot take items yet (an MQTT session before it subscribed to its
   * items): an item sent then would be lost until its result timeout. See linkReady().
   */
  readonly ready: boolean;
  sendItem(device: string, item: AgentItem): void;
}

/** Item ids remembered as delivered, so that a result is taken only from the agent of the item's thing. */
const MAX_DELIVERED_IDS = 16_384;

export interface AgentCounters {
  registered: number;
  properties: number;
  events: number;
  results: number;
  itemsSent: number;
  refusedInvalid: number;
  refusedNotOwned: number;
  refusedFlood: number;
  /** Refusals not reported on `agents/{agent}/errors`: maxErrorReportsInFlight reports were waiting. */
  errorReportsDropped: number;
}

interface AgentThing { agent: string; device: string; sleepy: boolean; td: ThingDescription }

export class AgentBinding implements Binding {
  readonly name = AGENT_BINDING;
  readonly options: AgentOptions;
  readonly counters: AgentCounters = { registered: 0, properties: 0, events: 0, results: 0, itemsSent: 0, refusedInvalid: 0, refusedNotOwned: 0, refusedFlood: 0, errorReportsDropped: 0 };
  private ctx: BindingContext | null = null;
  /** Sessions of each connected agent, oldest first; items go to the newest. */
  private readonly links = new Map<string, AgentLink[]>();
  private readonly things = new Map<string, AgentThing>();
  private readonly rate = new Map<string, { second: number; n: number }>();
  /** Item id -> thing id of items handed to agents (bounded, oldest forgotten first). */
  private readonly delivered = new Map<string, string>();
  private readonly values = new ValueValidator();

  constructor(options: Partial<AgentOptions> = {}) {
    this.options = { ...DEFAULT_AGENT_OPTIONS, ...options };
  }

  async start(ctx: BindingContext): Promise<void> {
    this.ctx = ctx;
    for (const [k, v] of ctx.store.load()) {
      // A thing stored without its TD (before values were checked here) takes none until its agent registers it again.
      if (k.startsWith('thing:')) this.things.set(k.slice(6), { td: { title: '' }, ...(v as Omit<AgentThing, 'td'>) });
    }
    // After a start no agent is connected yet: every agent thing is offline until its agent comes.
    for (const thingId of this.things.keys()) if (ctx.hasThing(thingId)) ctx.setOnline(thingId, false);
  }

  async stop(): Promise<void> {
    this.ctx = null;
  }

  status(): BindingStatus {
    return { state: this.ctx ? 'running' : 'stopped', counters: { ...this.counters }, gauges: { agentsConnected: this.links.size, things: this.things.size } };
  }

  private context(): BindingContext {
    if (!this.ctx) throw new BindingUnavailableError('the agent binding is not running', { binding: AGENT_BINDING });
    return this.ctx;
  }

  thingIdOf(agent: string, device: string): string {
    return this.context().thingId(`${agent}:${device}`);
  }

  private ownThings(agent: string): Array<[string, AgentThing]> {
    return [...this.things].filter(([, t]) => t.agent === agent);
  }

  /** An agent connected (one more session of it): its things are online. */
  connected(agent: string, link: AgentLink): void {
    const ctx = this.context();
    this.links.set(agent, [...(this.links.get(agent) ?? []), link]);
    for (const [thingId] of this.ownThings(agent)) if (ctx.hasThing(thingId)) ctx.setOnline(thingId, true);
    if (link.ready) this.linkReady(agent);
  }

  /** A session of the agent can take items now: what waits for its always-on things goes out. */
  linkReady(agent: string): void {
    const ctx = this.context();
    for (const [thingId, t] of this.ownThings(agent)) if (!t.sleepy && ctx.hasThing(thingId)) ctx.awake(thingId, this.options.alwaysOnWindowMs);
  }

  private canTake(agent: string): boolean {
    return this.links.get(agent)?.some((l) => l.ready) ?? false;
  }

  /** A session of the agent ended; with the last one its things go offline and their queues wait. */
  disconnected(agent: string, link: AgentLink): void {
    const had = this.links.get(agent) ?? [];
    const i = had.lastIndexOf(link);
    if (i < 0) return;
    const left = had.filter((_, j) => j !== i);
    if (left.length > 0) {
      this.links.set(agent, left);
      return;
    }
    this.links.delete(agent);
    const ctx = this.ctx;
    if (!ctx) return;
    for (const [thingId] of this.ownThings(agent)) {
      if (!ctx.hasThing(thingId)) continue;
      ctx.asleep(thingId);
      ctx.setOnline(thingId, false);
    }
  }

  /**
   * One message of an agent, `rest` being the topic levels below `agents/{agent}/`. Throws a typed
   * error (counted) for a message it refuses; nothing else is affected.
   */
  handle(agent: string, rest: readonly string[], payload: unknown): void {
    const ctx = this.context();
    this.count(agent);
    const [root, device, kind, name] = rest;
    if (root !== 'things' || device === undefined || !DEVICE_NAME.test(device) || kind === undefined) return this.refuse(new BadRequestError(`unknown agent topic ${rest.join('/')}`));
    const thingId = this.thingIdOf(agent, device);
    if (kind === 'td' && rest.length === 3) return this.register(agent, device, thingId, payload);
    const t = this.things.get(thingId);
    if (!t || t.agent !== agent || !ctx.hasThing(thingId)) {
      this.counters.refusedNotOwned++;
      throw new ForbiddenError(`agent ${agent} has no thing ${device}`);
    }
    switch (rest.length === 3 ? kind : `${kind}/`) {
      case 'properties': {
        const { values, ts } = this.valuesOf(payload);
        this.checkValues(t, values);
        ctx.reportProperties(thingId, values, ts);
        this.counters.properties++;
        break;
      }
      case 'events/': {
        if (name === undefined || rest.length !== 4) return this.refuse(new BadRequestError('events/{name}'));
        if (!Object.hasOwn((t.td['events'] ?? {}) as object, name)) return this.refuse(new AffordanceNotFoundError(`the TD of ${device} has no event ${name}`, { event: name }));
        ctx.emitEvent(thingId, name, payload);
        this.counters.events++;
        break;
      }
      case 'awake':
        // Before the agent can take items a window would only spend delivery attempts.
        if (this.canTake(agent)) ctx.awake(thingId, t.sleepy ? this.windowOf(payload) : this.options.alwaysOnWindowMs);
        return;
      case 'asleep':
        ctx.asleep(thingId);
        return;
      case 'results': {
        const r = payload as { id?: unknown; state?: unknown; output?: unknown; error?: unknown };
        if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || (r.state !== 'completed' && r.state !== 'failed')) {
          return this.refuse(new BadRequestError('a result is {"id", "state": "completed"|"failed", "output"?, "error"?}'));
        }
        if (this.delivered.get(r.id) !== thingId) {
          this.counters.refusedNotOwned++;
          throw new ForbiddenError(`item ${r.id} was not handed to ${device}`);
        }
        ctx.complete(r.id, r.state === 'completed' ? { state: 'completed', output: r.output } : { state: 'failed', error: typeof r.error === 'string' ? r.error : 'failed' });
        this.counters.results++;
        return;
      }
      default:
        return this.refuse(new BadRequestError(`unknown agent topic ${rest.join('/')}`));
    }
    // Any uplink keeps an always-on device's window open.
    if (!t.sleepy && this.canTake(agent)) ctx.awake(thingId, this.options.alwaysOnWindowMs);
  }

  private register(agent: string, device: string, thingId: string, payload: unknown): void {
    const ctx = this.context();
    const body = payload as { td?: unknown; sleepy?: unknown };
    if (typeof body !== 'object' || body === null || typeof body.td !== 'object' || body.td === null) return this.refuse(new BadRequestError('a registration is {"td": {...}, "sleepy"?: boolean}'));
    if (!this.things.has(thingId) && this.ownThings(agent).length >= this.options.maxThingsPerAgent) return this.refuse(new BadRequestError(`agent ${agent} owns ${this.options.maxThingsPerAgent} things already`));
    const sleepy = body.sleepy === true;
    const deviceId = `${agent}:${device}`;
    try {
      ctx.registerThing({ deviceId, nativeTd: body.td as ThingDescription, sleepy: true, push: true });
    } catch (err) {
      this.counters.refusedInvalid++;
      throw err;
    }
    const t: AgentThing = { agent, device, sleepy, td: body.td as ThingDescription };
    this.things.set(thingId, t);
    ctx.store.put(`thing:${thingId}`, t);
    this.counters.registered++;
    if (!this.links.has(agent)) ctx.setOnline(thingId, false);
    else if (!sleepy && this.canTake(agent)) ctx.awake(thingId, this.options.alwaysOnWindowMs);
  }

  private valuesOf(payload: unknown): { values: Record<string, unknown>; ts?: number } {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) this.refuse(new BadRequestError('properties are a JSON object {name: value}'));
    const p = payload as Record<string, unknown>;
    // {"values": {...}, "ts": ms} or a plain {name: value} object.
    if (typeof p['values'] === 'object' && p['values'] !== null && !Array.isArray(p['values'])) {
      return { values: p['values'] as Record<string, unknown>, ...(typeof p['ts'] === 'number' ? { ts: p['ts'] } : {}) };
    }
    return { values: p };
  }

  /** Refuses the whole message when one value does not fit its property (nothing of it is stored). */
  private checkValues(t: AgentThing, values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
      const why = this.values.propertyMismatch(t.td, name, value);
      if (why !== null) this.refuse(new ValueInvalidError(`${t.device}.${name}: ${why}`, { property: name }));
    }
  }

  private windowOf(payload: unknown): number | undefined {
    const w = (payload as { windowMs?: unknown } | null)?.windowMs;
    return typeof w === 'number' && w > 0 ? Math.min(w, this.options.alwaysOnWindowMs) : undefined;
  }

  /** Counts one message of the agent; RateLimitedError (counted) beyond maxMessagesPerSecond. */
  count(agent: string): void {
    const second = Math.floor(this.context().now() / 1000);
    const r = this.rate.get(agent);
    if (!r || r.second !== second) {
      this.rate.set(agent, { second, n: 1 });
      return;
    }
    if (++r.n > this.options.maxMessagesPerSecond) {
      this.counters.refusedFlood++;
      throw new RateLimitedError(`agent ${agent} sends more than ${this.options.maxMessagesPerSecond} messages per second`);
    }
  }

  private refuse(err: Error): never {
    this.counters.refusedInvalid++;
    throw err;
  }

  /** Hands a queued item to the thing's agent; `retry` while the agent is away (the queue waits). */
  deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    const t = this.things.get(item.thingId);
    const link = t ? this.links.get(t.agent)?.findLast((l) => l.ready) : undefined;
    if (!t || !link) return Promise.resolve({ state: 'retry', reason: 'agent not connected' });
    this.delivered.delete(item.id);
    this.delivered.set(item.id, item.thingId);
    if (this.delivered.size > MAX_DELIVERED_IDS) this.delivered.delete(this.delivered.keys().next().value as string);
    link.sendItem(t.device, { id: item.id, kind: item.kind, name: item.name, input: item.input, attempt: item.attempt, expiresAt: item.expiresAt });
    this.counters.itemsSent++;
    return Promise.resolve({ state: 'delivered' });
  }
}

/** The running agent binding of a hub, if any. */
export function agentsOf(hub: unknown): AgentBinding | undefined {
  const b = (hub as { binding?: (name: string) => unknown }).binding?.(AGENT_BINDING);
  return b instanceof AgentBinding ? b : undefined;
}
