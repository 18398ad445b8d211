/**
 * MQTT 3.1.1 §1.5.3 on the topic names and filters of a packet, on its bytes before the broker
 * decodes them (mqtt-packet decodes with Buffer#toString, which turns ill-formed UTF-8 into
 * U+FFFD instead of refusing it): ill-formed UTF-8, UTF-16 surrogates encoded as UTF-8 (both
 * [MQTT-1.5.3-1]) and U+0000 [MQTT-1.5.3-2] make the receiver close the connection.
 */

/** Packet types whose strings are checked (§2.2.1): PUBLISH, SUBSCRIBE, UNSUBSCRIBE. */
export const PUBLISH = 3;
export const SUBSCRIBE = 8;
export const UNSUBSCRIBE = 10;

// `fatal` refuses ill-formed sequences, overlong forms and encoded surrogates (WHATWG UTF-8 decode);
// `ignoreBOM` keeps a U+FEFF as a character [MQTT-1.5.3-3].
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One MQTT UTF-8 string's bytes (§1.5.3): well-formed UTF-8 without U+0000. */
export function wellFormedMqttString(bytes: Uint8Array): boolean {
  let s: string;
  try {
    s = strict.decode(bytes);
  } catch {
    return false;
  }
  return !s.includes('\u0000');
}

/**
 * How many bytes of a packet's body hold its strings: a PUBLISH's topic comes first (2-byte
 * length, §3.3.2.1), so `head` (what arrived so far) tells; SUBSCRIBE and UNSUBSCRIBE carry only
 * filters, so their whole body. 0 when the packet type has nothing to check.
 */
export function stringBytes(type: number, bodyLength: number, head: Uint8Array): number | null {
  if (type === SUBSCRIBE || type === UNSUBSCRIBE) return bodyLength;
  if (type !== PUBLISH) return 0;
  if (head.length < 2) return null; // not known yet
  return Math.min(bodyLength, 2 + ((head[0] as number) << 8 | (head[1] as number)));
}

/** True when every topic name or filter in `body` (the bytes stringBytes() asked for) is well formed. */
export function packetStringsValid(type: number, body: Uint8Array): boolean {
  if (type === PUBLISH && body.length >= 2 && asciiTopic(body)) return true;
  const strings: Uint8Array[] = [];
  // §3.8.3 / §3.10.3: packet identifier, then (length, filter[, requested QoS]) pairs.
  let at = type === PUBLISH ? 0 : 2;
  const trailer = type === SUBSCRIBE ? 1 : 0;
  do {
    if (at + 2 > body.length) return false;
    const len = (body[at] as number) << 8 | (body[at + 1] as number);
    if (at + 2 + len > body.length) return false;
    strings.push(body.subarray(at + 2, at + 2 + len));
    at += 2 + len + trailer;
  } while (type !== PUBLISH && at < body.length);
  return strings.every(wellFormedMqttString);
}

/**
 * A PUBLISH topic (2-byte length, then the bytes) that is all ASCII without U+0000 is well formed:
 * the common case, checked without a decoder or a string (this runs for every PUBLISH).
 */
function asciiTopic(body: Uint8Array): boolean {
  const end = 2 + ((body[0] as number) << 8 | (body[1] as number));
  if (end > body.length) return false;
  for (let i = 2; i < end; i++) {
    const b = body[i] as number;
    if (b === 0 || b > 0x7f) return false;
  }
  return true;
}
