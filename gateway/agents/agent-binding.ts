/**
 * The `agent` binding (docs/agents.md): bindings out of process. A process logged in as a user
 * with the `agent` role speaks MQTT under `agents/{agent}/...`; this one in-process binding maps
 * that traffic onto its BindingContext, so an agent's things get the same queue semantics as any
 * binding's (awake window, result timeout, at least once with ids). Thing ids are
 * `urn:roost:agent:{agent}:{device}`; an agent touches only its own. Agent things do not wait for
 * onboarding: the agent user is trusted by its credentials, and removing that user (or taking its
 * agent role) cuts it off (docs/agents.md "Trust").
 *
 * Every agent thing is registered sleepy and answers only through its agent: while the agent is
 * connected an always-on device is kept awake (a window renewed on every uplink), a device the
 * agent declared sleepy is awake only when the agent says so. When the agent goes (disconnect or
 * its last will), its things go offline and their queues wait.
 */
import type { Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem, ThingDescription } from '../binding.js';
import { BadRequestError, BindingUnavailableError, ForbiddenError, RateLimitedError } from '../../protocols/errors.js';

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
}

export const DEFAULT_AGENT_OPTIONS: AgentOptions = { alwaysOnWindowMs: 24 * 3600_000, maxMessagesPerSecond: 200, maxThingsPerAgent: 256 };

export const optionsSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    alwaysOnWindowMs: { type: 'integer', minimum: 1000, default: DEFAULT_AGENT_OPTIONS.alwaysOnWindowMs },
    maxMessagesPerSecond: { type: 'integer', minimum: 1, default: DEFAULT_AGENT_OPTIONS.maxMessagesPerSecond },
    maxThingsPerAgent: { type: 'integer', minimum: 1, default: DEFAULT_AGENT_OPTIONS.maxThingsPerAgent },
  },
} as const;

/** How the binding reaches a connected agent (the MQTT bridge gives one per agent). */
export interface AgentLink {
  publish(topic: string, payload: unknown): void;
}

export interface AgentCounters {
  registered: number;
  properties: number;
  events: number;
  results: number;
  itemsSent: number;
  refusedInvalid: number;
  refusedNotOwned: number;
  refusedFlood: number;
}

interface AgentThing { agent: string; device: string; sleepy: boolean }

export class AgentBinding implements Binding {
  readonly name = AGENT_BINDING;
  readonly options: AgentOptions;
  readonly counters: AgentCounters = { registered: 0, properties: 0, events: 0, results: 0, itemsSent: 0, refusedInvalid: 0, refusedNotOwned: 0, refusedFlood: 0 };
  private ctx: BindingContext | null = null;
  private readonly links = new Map<string, { link: AgentLink; count: number }>();
  private readonly things = new Map<string, AgentThing>();
  private readonly rate = new Map<string, { second: number; n: number }>();

  constructor(options: Partial<AgentOptions> = {}) {
    this.options = { ...DEFAULT_AGENT_OPTIONS, ...options };
  }

  async start(ctx: BindingContext): Promise<void> {
    this.ctx = ctx;
    for (const [k, v] of ctx.store.load()) {
      if (k.startsWith('thing:')) this.things.set(k.slice(6), v as AgentThing);
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

  /** An agent connected (one more session of it). */
  connected(agent: string, link: AgentLink): void {
    const ctx = this.context();
    const had = this.links.get(agent);
    this.links.set(agent, { link, count: (had?.count ?? 0) + 1 });
    for (const [thingId, t] of this.ownThings(agent)) {
      if (!ctx.hasThing(thingId)) continue;
      ctx.setOnline(thingId, true);
      if (!t.sleepy) ctx.awake(thingId, this.options.alwaysOnWindowMs);
    }
  }

  /** A session of the agent ended; with the last one its things go offline and their queues wait. */
  disconnected(agent: string): void {
    const had = this.links.get(agent);
    if (!had) return;
    if (had.count > 1) {
      this.links.set(agent, { ...had, count: had.count - 1 });
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
    this.throttle(agent);
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
        ctx.reportProperties(thingId, values, ts);
        this.counters.properties++;
        break;
      }
      case 'events/': {
        if (name === undefined || rest.length !== 4) return this.refuse(new BadRequestError('events/{name}'));
        ctx.emitEvent(thingId, name, payload);
        this.counters.events++;
        break;
      }
      case 'awake':
        ctx.awake(thingId, t.sleepy ? this.windowOf(payload) : this.options.alwaysOnWindowMs);
        return;
      case 'asleep':
        ctx.asleep(thingId);
        return;
      case 'results': {
        const r = payload as { id?: unknown; state?: unknown; output?: unknown; error?: unknown };
        if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || (r.state !== 'completed' && r.state !== 'failed')) {
          return this.refuse(new BadRequestError('a result is {"id", "state": "completed"|"failed", "output"?, "error"?}'));
        }
        ctx.complete(r.id, r.state === 'completed' ? { state: 'completed', output: r.output } : { state: 'failed', error: typeof r.error === 'string' ? r.error : 'failed' });
        this.counters.results++;
        return;
      }
      default:
        return this.refuse(new BadRequestError(`unknown agent topic ${rest.join('/')}`));
    }
    // Any uplink keeps an always-on device's window open.
    if (!t.sleepy) ctx.awake(thingId, this.options.alwaysOnWindowMs);
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
    const t: AgentThing = { agent, device, sleepy };
    this.things.set(thingId, t);
    ctx.store.put(`thing:${thingId}`, t);
    this.counters.registered++;
    if (!this.links.has(agent)) ctx.setOnline(thingId, false);
    else if (!sleepy) ctx.awake(thingId, this.options.alwaysOnWindowMs);
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

  private windowOf(payload: unknown): number | undefined {
    const w = (payload as { windowMs?: unknown } | null)?.windowMs;
    return typeof w === 'number' && w > 0 ? Math.min(w, this.options.alwaysOnWindowMs) : undefined;
  }

  private throttle(agent: string): void {
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
    const link = t ? this.links.get(t.agent)?.link : undefined;
    if (!t || !link) return Promise.resolve({ state: 'retry', reason: 'agent not connected' });
    link.publish(`${AGENTS_ROOT}/${t.agent}/things/${t.device}/items`, { id: item.id, kind: item.kind, name: item.name, input: item.input, attempt: item.attempt, expiresAt: item.expiresAt });
    this.counters.itemsSent++;
    return Promise.resolve({ state: 'delivered' });
  }
}

/** The running agent binding of a hub, if any. */
export function agentsOf(hub: unknown): AgentBinding | undefined {
  const b = (hub as { binding?: (name: string) => unknown }).binding?.(AGENT_BINDING);
  return b instanceof AgentBinding ? b : undefined;
}
