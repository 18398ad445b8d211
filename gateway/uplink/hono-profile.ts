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
 * (HONO_STATUS); a refused one at once with the error's HTTP status.
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
  hub: Pick<HubApi, 'invokeAction' | 'writeProperty' | 'getThing' | 'listThings'>;
  principal: Principal;
  logger: Logger;
  /** Request-response commands waiting for their item to finish; beyond, the oldest is answered no more (counted). */
  maxPending: number;
  now: () => number;
  counters: { downstreamMalformed: number; downstreamDenied: number; controlSent: number };
  requestCounters: MqttCounters;
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
}

interface Pending { thingId: string; reqId: string }

const PAGE = 100;

export class HonoProfile {
  readonly filters = [HONO_COMMAND_FILTER];
  /** Item id -> the request-response command it came from. */
  private readonly pending = new Map<string, Pending>();
  /** Thing id -> end of the awake window last announced (ttd). */
  private readonly announced = new Map<string, number>();
  /** Responses that could not go out (the link was down), sent at the next connect. */
  private unsent: Array<{ p: Pending; status: number; body: unknown }> = [];

  constructor(private readonly d: HonoProfileDeps) {}

  /** At each connect: ttd -1 or 0 for every always-on thing (a sleepy one is announced at its next wake). */
  async connected(): Promise<void> {
    this.announced.clear();
    const unsent = this.unsent;
    this.unsent = [];
    for (const r of unsent) this.respond(r.p, r.status, r.body);
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
      this.pending.delete(this.pending.keys().next().value as string);
      this.d.requestCounters.repliesDropped++;
    }
    this.pending.set(view.id, { thingId: c.thingId, reqId: c.reqId });
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
    if (c.reqId !== null) this.respond({ thingId: c.thingId, reqId: c.reqId }, err.httpStatus, { error: { code: err.code, message: err.message } });
  }

  private respond(p: Pending, status: number, body: unknown): void {
    const json = body !== null;
    this.d.publish(honoResponseTopic(p.thingId, p.reqId, status, json), Buffer.from(json ? JSON.stringify(body) : ''), 1)
      .catch((err: unknown) => {
        if (this.unsent.length >= this.d.maxPending) {
          this.unsent.shift();
          this.d.requestCounters.repliesDropped++;
        }
        this.unsent.push({ p, status, body });
        this.d.logger.debug({ err, reqId: p.reqId }, 'hono command response kept for the next connect');
      });
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
