/**
 * Who may publish and subscribe to what, pure. Roles (gateway/auth/users.ts):
 * - viewer: subscribes under `things/#`, publishes nothing;
 * - operator, agent: also publish action requests and property writes, and subscribe to their own
 *   reply tree `replies/<username>/#`;
 * - admin: subscribes to anything, publishes requests and anything outside `things/` and `devices/`.
 * Pending devices (`devices/pending/{id}`) are for admins and operators only.
 * Everyone may subscribe to the gateway's availability (`gateway/...`) and Home Assistant discovery
 * (`homeassistant/...`); only the gateway publishes there.
 * Nobody publishes a TD, an event or a retained property value (those belong to the gateway), and
 * nobody touches `$roost/...` (where consumed requests are routed) or publishes under `$`.
 */
import type { Principal, Role } from '../auth/users.js';
import { ForbiddenError, type RoostError } from '../../protocols/errors.js';
import { DEVICES_ROOT } from './pending-publisher.js';
import { HA_DISCOVERY_PREFIX } from './ha-discovery.js';
import { REPLIES_ROOT, THINGS_ROOT, escapeLevel, filterWithin, parseThingTopic, validTopicName } from './topics.js';

const REQUESTERS: ReadonlySet<Role> = new Set<Role>(['admin', 'operator', 'agent']);
/** Who may see pending devices (the same roles that decide them over HTTP). */
const DEVICE_WATCHERS: ReadonlySet<Role> = new Set<Role>(['admin', 'operator']);
/** Trees only the gateway publishes to and every user may read (GATEWAY_AVAILABILITY_TOPIC is `gateway/availability`). */
const GATEWAY_TREES: readonly string[] = ['gateway', HA_DISCOVERY_PREFIX];

export function canRequest(role: Role): boolean {
  return REQUESTERS.has(role);
}

/** The reply tree of one user: `replies/<escaped username>`. */
export function replyRoot(username: string): string {
  return `${REPLIES_ROOT}/${escapeLevel(username)}`;
}

/** MQTT 3.1.1 §3.8.4: a refused filter gets return code 0x80 in SUBACK; this says which. */
export function maySubscribe(p: Principal, filter: string): boolean {
  if (filter.startsWith('$roost')) return false;
  if (p.role === 'admin') return true;
  if (filterWithin(filter, [THINGS_ROOT]) || GATEWAY_TREES.some((r) => filterWithin(filter, [r]))) return true;
  if (filterWithin(filter, [DEVICES_ROOT])) return DEVICE_WATCHERS.has(p.role);
  return canRequest(p.role) && filterWithin(filter, [REPLIES_ROOT, escapeLevel(p.username)]);
}

/** Null when the publish is allowed, else the typed error that says why not. */
export function mayPublish(p: Principal, topic: string): RoostError | null {
  if (topic.startsWith('$')) return new ForbiddenError(`topics under $ are reserved: ${topic}`);
  const t = parseThingTopic(topic);
  if (t && (t.kind === 'action' || t.kind === 'property-set')) {
    return canRequest(p.role) ? null : new ForbiddenError(`role ${p.role} may subscribe only`);
  }
  if (t || filterWithin(topic, [THINGS_ROOT]) || filterWithin(topic, [DEVICES_ROOT]) || GATEWAY_TREES.some((r) => filterWithin(topic, [r]))) {
    return new ForbiddenError(`only the gateway publishes to ${topic}`);
  }
  return p.role === 'admin' ? null : new ForbiddenError(`role ${p.role} may publish only action requests and property writes`);
}

/**
 * A response topic named in a request: a plain topic name the requester may subscribe to, outside
 * `things/`, the gateway's trees and `$` (the gateway publishes the reply, so it must not be a way around mayPublish).
 */
export function mayReplyTo(p: Principal, topic: string): boolean {
  return validTopicName(topic) && !topic.startsWith('$') && !filterWithin(topic, [THINGS_ROOT]) && !filterWithin(topic, [DEVICES_ROOT])
    && !GATEWAY_TREES.some((r) => filterWithin(topic, [r])) && maySubscribe(p, topic);
}
