/**
 * The MQTT topic tree of the gateway (ARCHITECTURE.md, "MQTT topics"), pure: names to topics and
 * back. Every level that carries a name (thing id, affordance name, username) is escaped so that
 * the topic and the consumer TD's `mqtt://host:port/<topic>` href are the same string: anything
 * outside RFC 3986 `pchar` is percent-encoded, and so are `%`, `/`, `+` and `#` (MQTT 3.1.1 §4.7.1
 * wildcards and the level separator). URN thing ids (`urn:roost:coap:t1`) stay readable.
 */

/** Characters kept as they are in a level: RFC 3986 unreserved + sub-delims but `+`, and `:` `@`. */
const KEPT = /^[A-Za-z0-9\-._~!$&'()*,;=:@]$/;
/** A level made only of kept characters: most thing ids and names, returned as they are. */
const ALL_KEPT = /^[A-Za-z0-9\-._~!$&'()*,;=:@]*$/;

export function escapeLevel(s: string): string {
  // One test of the whole level instead of one per character (~1 us for a URN thing id): event
  // topics and every topic not cached are built per message.
  if (ALL_KEPT.test(s)) return s;
  let out = '';
  for (const ch of s) out += KEPT.test(ch) ? ch : encodeChar(ch);
  return out;
}

function encodeChar(ch: string): string {
  try {
    return encodeURIComponent(ch);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate: U+FFFD, as TextEncoder would write it
  }
}

/** Inverse of escapeLevel; throws URIError on a malformed escape. */
export function unescapeLevel(s: string): string {
  return decodeURIComponent(s);
}

export const THINGS_ROOT = 'things';
/** Where replies go by default for operators and agents: `replies/<username>/...`. */
export const REPLIES_ROOT = 'replies';
/** Last level of a property topic that carries a write request. */
export const SET_SUFFIX = 'set';
/**
 * Accepted requests and denied publishes are routed here after their positive acknowledgement,
 * so the broker delivers them to nobody (no client may subscribe to `$roost/...`).
 */
export const DISCARD_TOPIC = '$roost/discard';

export function thingTopic(thingId: string): string {
  return `${THINGS_ROOT}/${escapeLevel(thingId)}`;
}

export const tdTopic = (thingId: string): string => `${thingTopic(thingId)}/td`;
export const eventTopic = (thingId: string, name: string): string => `${thingTopic(thingId)}/event/${escapeLevel(name)}`;
export const propertyTopic = (thingId: string, name: string): string => `${thingTopic(thingId)}/property/${escapeLevel(name)}`;
export const propertySetTopic = (thingId: string, name: string): string => `${propertyTopic(thingId, name)}/${SET_SUFFIX}`;
export const actionTopic = (thingId: string, name: string): string => `${thingTopic(thingId)}/action/${escapeLevel(name)}`;

/**
 * The thing id of `things/{id}/{leaf}` written as thingTopic writes it (one level of id, escaped
 * the one way), else undefined: without a split, for checks that run per retained publish.
 */
export function thingIdOf(topic: string, leaf: string): string | undefined {
  const head = THINGS_ROOT.length + 1;
  const end = topic.length - leaf.length - 1;
  if (end < head || !topic.startsWith(`${THINGS_ROOT}/`) || !topic.endsWith(`/${leaf}`)) return undefined;
  const level = topic.slice(head, end);
  if (level.includes('/')) return undefined;
  let id: string;
  try {
    id = unescapeLevel(level);
  } catch {
    return undefined;
  }
  return escapeLevel(id) === level ? id : undefined;
}

/** What a topic under `things/` names; `null` for a topic outside the tree or malformed. */
export type ThingTopic =
  | { kind: 'td'; thingId: string }
  | { kind: 'event' | 'property' | 'property-set' | 'action'; thingId: string; name: string };

export function parseThingTopic(topic: string): ThingTopic | null {
  // Every PUBLISH passes here (ACL, request routing): topics outside the tree go without a split.
  if (!topic.startsWith(`${THINGS_ROOT}/`)) return null;
  const levels = topic.split('/');
  if (levels[0] !== THINGS_ROOT || levels.length < 3) return null;
  const [, rawId, kind, rawName, suffix] = levels as [string, string, string, string | undefined, string | undefined];
  let thingId: string;
  let name: string | undefined;
  try {
    thingId = unescapeLevel(rawId);
    name = rawName === undefined ? undefined : unescapeLevel(rawName);
  } catch {
    return null;
  }
  if (thingId === '' || name === '') return null;
  if (kind === 'td' && levels.length === 3) return { kind: 'td', thingId };
  if (name === undefined) return null;
  if (levels.length === 4 && (kind === 'event' || kind === 'property' || kind === 'action')) return { kind, thingId, name };
  if (levels.length === 5 && kind === 'property' && suffix === SET_SUFFIX) return { kind: 'property-set', thingId, name };
  return null;
}

/** True when an MQTT topic filter can match some topic under `prefix/` (or `prefix` itself). */
export function filterWithin(filter: string, prefix: readonly string[]): boolean {
  // The same as comparing the first levels of filter.split('/') (prefix levels hold no '/'), without
  // an array per call: this runs several times for every PUBLISH.
  const p = prefix.length === 1 ? (prefix[0] as string) : prefix.join('/');
  return filter.startsWith(p) && (filter.length === p.length || filter.charCodeAt(p.length) === 0x2f);
}

/** A topic name a client may publish or subscribe to at all (MQTT 3.1.1 §4.7.3: non-empty, no NUL). */
export function validTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes('\u0000') && !topic.includes('+') && !topic.includes('#');
}
