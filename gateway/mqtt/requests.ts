/**
 * Action requests and property writes published by MQTT clients, through the hub's action queue
 * exactly as HTTP does (HubApi.invokeAction / writeProperty / waitForAction). With a response topic
 * (request-envelope.ts) the requester gets, on that topic:
 * - the final state (with the output) if the item finishes within syncWaitMs, else
 * - its current state (`queued`, `sent`, `delivered`) at once and the final state when it comes;
 * - or the typed error that refused the request.
 * A request still waiting for its final state is kept in the database (pending-replies.ts) when the
 * handler has a store: after a restart the final reply is made when the item finishes (at once if
 * it finished meanwhile, to whoever is subscribed then), and a forgotten one is counted.
 */
import type { Logger } from 'pino';
import type { Principal } from '../auth/users.js';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { ActionView } from '../hub/types.js';
import { ForbiddenError, toRoostError, type RoostError } from '../../protocols/errors.js';
import { mayReplyTo } from './acl.js';
import type { MqttCounters } from './mqtt-metrics.js';
import type { PendingReplyStore } from './pending-replies.js';
import { correlation, errorReply, parseRequest, type MqttRequest, type Reply } from './request-envelope.js';

const FINAL = new Set(['completed', 'failed', 'expired', 'superseded', 'cancelled']);

export interface RequestOptions {
  /** How long to wait for a final state before the first reply carries the current one. */
  syncWaitMs: number;
  /** Requests waiting for a final reply; beyond it the oldest is forgotten (counted in repliesDropped). */
  maxPendingReplies: number;
  /** Deepest nesting of arrays and objects in a request payload (default 64). */
  maxJsonDepth?: number;
  /**
   * Replies to refused requests waiting for delivery at once (default MAX_REFUSALS_IN_FLIGHT);
   * beyond, a refusal is counted (repliesDropped) and not answered. One waits as long as a
   * session subscribed to its response topic does not read, and holds a slot of the broker's
   * delivery window shared by every client: a flood of refused requests with such a response topic
   * held every publish in the broker.
   */
  maxRefusalsInFlight?: number;
}

/** Default of RequestOptions.maxRefusalsInFlight. */
export const MAX_REFUSALS_IN_FLIGHT = 16;

export interface RequestDeps extends RequestOptions {
  hub: Pick<HubApi, 'subscribe' | 'invokeAction' | 'writeProperty' | 'waitForAction' | 'getAction'>;
  counters: MqttCounters;
  logger: Logger;
  /** Publishes a reply (QoS 1, not retained). */
  publish(topic: string, payload: Buffer): Promise<void>;
  /** Where waiting requests survive a restart; without it they are kept in memory only. */
  replies?: PendingReplyStore;
  now?: () => number;
}

interface Pending { topic: string; req: Pick<MqttRequest, 'correlationData'> }

export class RequestHandler {
  private readonly pending = new Map<string, Pending>();
  private readonly sub: Subscription;
  private refusalsInFlight = 0;

  constructor(private readonly deps: RequestDeps) {
    this.sub = deps.hub.subscribe((msg) => {
      if (msg.type === 'action') this.onChange(msg.action);
    }, { types: ['action'] });
    if (deps.replies) this.resume(deps.replies);
  }

  /** Requests that were waiting when the gateway stopped: replied to now if their item finished, else tracked again. */
  private resume(replies: PendingReplyStore): void {
    const { rows, unreadable } = replies.load();
    this.deps.counters.repliesDropped += unreadable;
    for (const r of rows) this.pending.set(r.itemId, { topic: r.topic, req: r.correlation });
    for (const id of [...this.pending.keys()]) {
      let view: ActionView;
      try {
        view = this.deps.hub.getAction(id);
      } catch {
        // Pruned by retention meanwhile: its outcome is unknown, so no reply is made up.
        this.pending.delete(id);
        replies.remove(id);
        this.deps.counters.repliesDropped++;
        continue;
      }
      this.onChange(view);
    }
  }

  close(): void {
    this.sub.unsubscribe();
    this.pending.clear();
  }

  /** A request arrived on an action or property-set topic; the caller has checked the role. */
  async handle(p: Principal, kind: 'action' | 'write', thingId: string, name: string, payload: Uint8Array): Promise<void> {
    const req = parseRequest(payload, kind, this.deps.maxJsonDepth);
    if (req instanceof Error) return this.refuse(undefined, {}, req);
    const topic = req.responseTopic;
    if (topic !== undefined && !mayReplyTo(p, topic)) {
      // The gateway would publish there on the requester's behalf: the same rule as subscribing.
      this.deps.counters.aclDeniedPublish++;
      return this.refuse(undefined, req, new ForbiddenError(`response topic not allowed: ${topic}`));
    }
    if (req.refused) return this.refuse(topic, req, req.refused);
    let view: ActionView;
    try {
      const opts = { requestedBy: p.username };
      view = kind === 'action'
        ? this.deps.hub.invokeAction(thingId, name, req.value, opts)
        : this.deps.hub.writeProperty(thingId, name, req.value, opts);
    } catch (err) {
      return this.refuse(topic, req, toRoostError(err));
    }
    this.deps.counters.requestsAccepted++;
    if (topic === undefined) return;
    const now = await this.deps.hub.waitForAction(view.id, this.deps.syncWaitMs);
    if (FINAL.has(now.state)) return this.reply(topic, stateReply(req, now));
    this.track(now.id, { topic, req });
    await this.reply(topic, { ...stateReply(req, now), action: now });
    // It may have finished while the reply went out, before the bus message that says so.
    try {
      this.onChange(this.deps.hub.getAction(now.id));
    } catch {
      // pruned already: nothing more to say
    }
  }

  private track(id: string, p: Pending): void {
    if (this.pending.size >= this.deps.maxPendingReplies) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.keep((r) => r.remove(oldest));
      this.deps.counters.repliesDropped++;
    }
    this.pending.set(id, p);
    this.keep((r) => r.save(id, { topic: p.topic, correlation: correlation(p.req), at: (this.deps.now ?? Date.now)() }));
  }

  /** A write to the store of waiting requests; when it fails (a full disk) the request still waits, in memory. */
  private keep(write: (r: PendingReplyStore) => void): void {
    if (!this.deps.replies) return;
    try {
      write(this.deps.replies);
    } catch (err) {
      this.deps.logger.warn({ err }, 'a waiting mqtt request was not stored: it is kept in memory only');
    }
  }

  private onChange(view: ActionView): void {
    if (!FINAL.has(view.state)) return;
    const p = this.pending.get(view.id);
    if (!p) return;
    this.pending.delete(view.id);
    this.keep((r) => r.remove(view.id));
    void this.reply(p.topic, stateReply(p.req, view));
  }

  private async refuse(topic: string | undefined, req: MqttRequest, err: RoostError): Promise<void> {
    this.deps.counters.requestsFailed++;
    this.deps.logger.debug({ code: err.code, msg: err.message }, 'mqtt request refused');
    if (topic === undefined) return;
    if (this.refusalsInFlight >= (this.deps.maxRefusalsInFlight ?? MAX_REFUSALS_IN_FLIGHT)) {
      this.deps.counters.repliesDropped++;
      return;
    }
    this.refusalsInFlight++;
    try {
      await this.reply(topic, errorReply(req, err));
    } finally {
      this.refusalsInFlight--;
    }
  }

  private async reply(topic: string, r: Reply): Promise<void> {
    try {
      await this.deps.publish(topic, Buffer.from(JSON.stringify(r)));
    } catch (err) {
      this.deps.counters.repliesDropped++;
      this.deps.logger.warn({ err }, 'mqtt reply not published');
    }
  }
}

function stateReply(req: Pick<MqttRequest, 'correlationData'>, v: ActionView): Reply {
  const r: Reply = { ...correlation(req), actionId: v.id, state: v.state };
  if (v.state === 'completed' && v.kind === 'action') r.output = v.output ?? null;
  if (v.error !== undefined && v.state !== 'completed') r.error = v.error;
  return r;
}
