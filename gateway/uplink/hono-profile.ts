/**
 * The uplink as an Eclipse Hono gateway (`uplink.profile: hono`, docs/uplink.md "Eclipse Hono"):
 * what goes up and what comes down besides the backlog, on Hono's MQTT adapter topics
 * (hono-topics.ts, which cites the user guide).
 *
 * Up: property values as telemetry and events as events (uplink.ts sends them from the backlog
 * with honoRowMessage), and time-till-disconnect notifications: an always-on thing's availability
 * as ttd -1 / 0, a sleepy thing's awake window (the bus `awake` message) as ttd = the seconds
 * left, so that a Hono application knows when a command goes out at once. Down: commands, mapped
 * to the thing's TD (a command `{action}` invokes the action with the JSON payload as input,
 * `set:{property}` writes the property) and put in the same queue as local requests (checked with
 * the uplink's role): a command for a sleeping device waits for its next wake instead of being
 * lost. A request-response command is answered on its res topic once its item is final
 * (HONO_STATUS); a refused one at once with the error's HTTP status. Waiting commands and answers
 * the link did not take are kept in the database (hono-pending.ts) and taken up again after a
 * restart: an item that finished meanwhile is answered at once.
 */
import type { Logger } from 'pino';
import type { Principal } from '../auth/users.js';
import type { HubApi } from '../hub/hub-api.js';
import type { QueuedState } from '../binding.js';
import type { ActionView, BusMessage } from '../hub/types.js';
import { ValueInvalidError, toRoostError, type RoostError } from '../../protocols/errors.js';
import { mayPublish } from '../mqtt/acl.js';
import type { MqttCounters } from '../mqtt/mqtt-metrics.js';
import { actionTopic, propertyTopic } from '../mqtt/topics.js';
import type { BacklogRow } from './backlog.js';
import type { Db } from '../store/database.js';
import { HonoPendingStore, type HonoRequest, type HonoUnsent } from './hono-pending.js';
import {
  HONO_COMMAND_FILTER, TTD_CONNECTED, TTD_DISCONNECTED, honoEventTopic, honoResponseTopic, honoTelemetryTopic, honoTtdTopic,
  parseHonoCommand, type HonoCommand,
} from './hono-topics.js';

/** A command name with this prefix writes the property named after it. */
export const HONO_WRITE_PREFIX = 'set:';

/** Response status (HTTP, as Hono passes it on) of each final state of a queued item. */
export const HONO_STATUS: Partial<Record<QueuedState, number>> = {
  completed: 200,
  failed: 500,
  expired: 504,
  superseded: 409,
  cancelled: 409,
};

export interface HonoMessage { topic: string; payload: Buffer; qos: 0 | 1 }

/** A backlog row (property value or event) as the Hono message that carries it. */
export function honoRowMessage(row: BacklogRow, telemetryQos: 0 | 1): HonoMessage {
  const value = JSON.parse(row.value) as unknown;
  return row.kind === 0
    ? { topic: honoTelemetryTopic(row.thingId), payload: Buffer.from(JSON.stringify({ name: row.name, value, ts: row.ts })), qos: telemetryQos }
    // Hono takes events at QoS 1 only (user guide, "Publishing Events").
    : { topic: honoEventTopic(row.thingId), payload: Buffer.from(JSON.stringify({ name: row.name, data: value, ts: row.ts })), qos: 1 };
}

export interface HonoProfileDeps {
  hub: Pick<HubApi, 'invokeAction' | 'writeProperty' | 'getThing' | 'listThings' | 'getAction'>;
  /** Where waiting commands and unsent answers survive a restart (hono-pending.ts). */
  db: Db;
  principal: Principal;
  logger: Logger;
  /** Request-response commands waiting for their item to finish; beyond, the oldest is answered no more (counted). */
  maxPending: number;
  now: () => number;
  counters: { downstreamMalformed: number; downstreamDenied: number; controlSent: number };
  requestCounters: MqttCounters;
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
}

/** A request-response command or answer, under its key in the store (the item id, or `refused:...`). */
interface Pending extends HonoRequest { key: string }

const PAGE = 100;

export class HonoProfile {
  readonly filters = [HONO_COMMAND_FILTER];
  /** Item id -> the request-response command it came from. */
  private readonly pending = new Map<string, Pending>();
  /** Thing id -> end of the awake window last announced (ttd). */
  private readonly announced = new Map<string, number>();
  /** Responses that could not go out (the link was down), sent at the next connect. */
  private unsent: Array<{ p: Pending } & HonoUnsent> = [];
  private refusals = 0;
  private readonly store: HonoPendingStore;

  constructor(private readonly d: HonoProfileDeps) {
    this.store = new HonoPendingStore(d.db);
    const { rows, unreadable } = this.store.load();
    d.requestCounters.repliesDropped += unreadable;
    for (const r of rows) {
      const p = { key: r.key, ...r.request };
      if (r.unsent) this.unsent.push({ p, ...r.unsent });
      else this.pending.set(r.key, p);
    }
  }

  /** Commands whose item finished unseen (while the gateway was down, or before the uplink listened) are answered now. */
  private resume(): void {
    for (const [id, p] of [...this.pending]) {
      let view: ActionView;
      try {
        view = this.d.hub.getAction(id);
      } catch {
        // Pruned by retention meanwhile: its outcome is unknown, so no answer is made up.
        this.pending.delete(id);
        this.store.remove(p.key);
        this.d.requestCounters.repliesDropped++;
        continue;
      }
      this.settled(view);
    }
  }

  /** At each connect: ttd -1 or 0 for every always-on thing (a sleepy one is announced at its next wake). */
  async connected(): Promise<void> {
    this.announced.clear();
    const unsent = this.unsent;
    this.unsent = [];
    for (const r of unsent) this.respond(r.p, r.status, r.body);
    this.resume();
    for (let offset = 0; ; offset += PAGE) {
      const { items } = this.d.hub.listThings({ offset, limit: PAGE });
      for (const t of items) if (!t.sleepy) await this.ttd(t.id, t.online ? TTD_CONNECTED : TTD_DISCONNECTED);
      if (items.length < PAGE) return;
    }
  }

  /** Bus messages: availability and wakes as ttd (while connected), final states as responses. */
  onBus(m: BusMessage, connected: boolean): void {
    if (!connected && m.type !== 'action') return;
    const send = (p: Promise<void>): void => void p.catch((err: unknown) => this.d.logger.debug({ err }, 'hono publish failed'));
    switch (m.type) {
      case 'online': {
        const t = this.thing(m.thingId);
        if (t && !t.sleepy) send(this.ttd(m.thingId, m.online ? TTD_CONNECTED : TTD_DISCONNECTED));
        return;
      }
      case 'awake': {
        const t = this.thing(m.thingId);
        // A window extended by less than a second says nothing new.
        if (!t?.sleepy || m.untilMs < (this.announced.get(m.thingId) ?? 0) + 1000) return;
        this.announced.set(m.thingId, m.untilMs);
        send(this.ttd(m.thingId, Math.max(1, Math.ceil((m.untilMs - this.d.now()) / 1000))));
        return;
      }
      case 'action':
        this.settled(m.action);
        return;
      default:
        return;
    }
  }

  /** A command from Hono: mapped to the TD, checked with the uplink's role, queued. */
  command(topic: string, payload: Uint8Array): void {
    const c = parseHonoCommand(topic);
    if (!c) {
      this.d.counters.downstreamMalformed++;
      this.d.logger.debug({ topic }, 'hono: not a command for a device');
      return;
    }
    const write = c.name.startsWith(HONO_WRITE_PREFIX);
    const name = write ? c.name.slice(HONO_WRITE_PREFIX.length) : c.name;
    const denied = mayPublish(this.d.principal, write ? `${propertyTopic(c.thingId, name)}/set` : actionTopic(c.thingId, name));
    if (denied) {
      this.d.counters.downstreamDenied++;
      this.refuse(c, denied);
      return;
    }
    let view: ActionView;
    try {
      const value = parsePayload(payload);
      const opts = { requestedBy: this.d.principal.username };
      view = write ? this.d.hub.writeProperty(c.thingId, name, value, opts) : this.d.hub.invokeAction(c.thingId, name, value, opts);
    } catch (err) {
      this.d.requestCounters.requestsFailed++;
      this.refuse(c, toRoostError(err));
      return;
    }
    this.d.requestCounters.requestsAccepted++;
    if (c.reqId === null) return; // one-way: no response
    if (this.pending.size >= this.d.maxPending) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.store.remove(oldest);
      this.d.requestCounters.repliesDropped++;
    }
    const p = { key: view.id, thingId: c.thingId, reqId: c.reqId };
    this.pending.set(view.id, p);
    this.store.save(p.key, { thingId: p.thingId, reqId: p.reqId }, this.d.now());
    this.settled(view);
  }

  private settled(v: ActionView): void {
    const status = HONO_STATUS[v.state];
    const p = this.pending.get(v.id);
    if (status === undefined || !p) return;
    this.pending.delete(v.id);
    if (v.state === 'completed') {
      const out = v.kind === 'action' ? v.output : undefined;
      if (out === undefined) this.respond(p, 204, null);
      else this.respond(p, 200, out);
    } else {
      this.respond(p, status, { state: v.state, error: v.error ?? v.state });
    }
  }

  private refuse(c: HonoCommand, err: RoostError): void {
    this.d.logger.debug({ thingId: c.thingId, command: c.name, code: err.code }, 'hono command refused');
    if (c.reqId !== null) this.respond({ key: `refused:${this.d.now()}:${++this.refusals}`, thingId: c.thingId, reqId: c.reqId }, err.httpStatus, { error: { code: err.code, message: err.message } });
  }

  /** Publishes an answer; kept (in memory and in the store) for the next connect if the link does not take it. */
  private respond(p: Pending, status: number, body: unknown): void {
    const json = body !== null;
    this.d.publish(honoResponseTopic(p.thingId, p.reqId, status, json), Buffer.from(json ? JSON.stringify(body) : ''), 1)
      .then(() => this.store.remove(p.key), (err: unknown) => {
        if (this.unsent.length >= this.d.maxPending) {
          this.store.remove(this.unsent.shift()!.p.key);
          this.d.requestCounters.repliesDropped++;
        }
        this.unsent.push({ p, status, body });
        this.store.save(p.key, { thingId: p.thingId, reqId: p.reqId }, this.d.now(), { status, body });
        this.d.logger.debug({ err, reqId: p.reqId }, 'hono command response kept for the next connect');
      })
      .catch((err: unknown) => this.d.logger.warn({ err, reqId: p.reqId }, 'hono command state not stored'));
  }

  private async ttd(thingId: string, ttdS: number): Promise<void> {
    await this.d.publish(honoTtdTopic(thingId, ttdS), Buffer.alloc(0), 1);
    this.d.counters.controlSent++;
  }

  private thing(id: string): { sleepy: boolean } | null {
    try {
      return this.d.hub.getThing(id);
    } catch {
      return null;
    }
  }
}

/** A command's payload: JSON, or nothing (an action without input). */
function parsePayload(payload: Uint8Array): unknown {
  if (payload.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
  } catch {
    throw new ValueInvalidError('a command payload must be JSON (or empty)');
  }
}
