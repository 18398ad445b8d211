/**
 * QoS 0 delivery to a subscriber, in place of aedes' own `client.deliver0` (aedes 1.2,
 * lib/client.js). Why it is replaced: per delivery aedes waited a `setImmediate`, built another
 * Packet and wrote it with mqtt-packet's `writeToStream`, five `write()` calls (header, length,
 * topic length, topic, payload) through the socket's stream machinery; the profile of a fan-out put
 * most of the broker's CPU there. Here a PUBLISH is serialised once into one Buffer, shared by every
 * subscriber of the same message (mqemitter hands one message to all of them in one loop), and
 * written with one `write()`; the packets of a burst reach the socket as one corked batch
 * (packet-limit.ts). What aedes did that is kept: the No Local flag, its duplicate filter for
 * overlapping subscriptions, `authorizeForward`, and the wait for 'drain' (with aedes'
 * drainTimeout, after which the client is disconnected) once a subscriber is behind.
 *
 * A subscriber that reads slowly is not dropped from: up to `maxQueuedBytes` of packets wait in
 * its connection's buffer and the publisher is not held; beyond that the delivery waits for the
 * buffer to drain, which holds the message's publisher (TCP back-pressure to a client publisher;
 * the hub bus buffer for the gateway's own messages). mosquitto 2.0 instead queues QoS 0 for an
 * online subscriber up to its own limit and drops beyond it.
 */
import type { Client, PublishPacket } from 'aedes';

/** What of aedes' Client this file touches (aedes' typings do not declare them all). */
interface AedesClientInternals {
  id: string;
  connected: boolean;
  connecting: boolean;
  conn: { write(chunk: Buffer): boolean; readonly writableLength: number };
  broker: { authorizeForward(client: Client, packet: PublishPacket): PublishPacket | null | undefined };
  /** aedes' duplicate filter: the last broker counter delivered, per broker id. */
  duplicates: Record<string, number>;
  deliver0(packet: ForwardedPacket, cb: () => void): void;
  waitForDrain(cb: (err: Error | null) => void): void;
}

/** A publish as mqemitter hands it to a subscription (aedes-packet's Packet). */
type ForwardedPacket = PublishPacket & { brokerId?: string; brokerCounter?: number; clientId?: string; nl?: boolean };

/**
 * Serialises QoS 0 PUBLISH packets (MQTT 3.1.1 §3.3), remembering the last one: the subscribers of
 * one message ask for it one after the other, each with its own copy of the packet but the same
 * topic string and payload Buffer.
 */
export class Publish0Encoder {
  private lastTopic = '';
  private lastPayload: Buffer | null = null;
  private lastRetain = false;
  private lastBytes: Buffer = Buffer.alloc(0);

  encode(topic: string, payload: Buffer, retain: boolean): Buffer {
    if (payload === this.lastPayload && topic === this.lastTopic && retain === this.lastRetain) return this.lastBytes;
    const topicBytes = Buffer.byteLength(topic);
    const remaining = 2 + topicBytes + payload.length;
    // §2.2.3: Remaining Length, 7 bits per byte, least significant first.
    const lengthBytes = remaining < 128 ? 1 : remaining < 16384 ? 2 : remaining < 2097152 ? 3 : 4;
    const bytes = Buffer.allocUnsafe(1 + lengthBytes + remaining);
    // §3.3.1: type 3, DUP 0, QoS 0, RETAIN.
    bytes[0] = retain ? 0x31 : 0x30;
    let i = 1;
    for (let n = remaining; ; ) {
      const b = n % 128;
      n = Math.floor(n / 128);
      bytes[i++] = n > 0 ? b | 0x80 : b;
      if (n === 0) break;
    }
    bytes.writeUInt16BE(topicBytes, i);
    i += 2;
    i += bytes.write(topic, i, 'utf8');
    payload.copy(bytes, i);
    this.lastTopic = topic;
    this.lastPayload = payload;
    this.lastRetain = retain;
    this.lastBytes = bytes;
    return bytes;
  }
}

/** The callbacks of deliveries done in one tick, called together on the next (see replaceDeliver0). */
class Completions {
  private pending: Array<() => void> = [];
  private scheduled = false;

  add(cb: () => void): void {
    this.pending.push(cb);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const cbs = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (const cb of cbs) cb();
  };
}

/**
 * Replaces a newly created client's QoS 0 delivery; call it right after `broker.handle()`, before
 * the client can subscribe (aedes reads `client.deliver0` when it adds a subscription).
 *
 * The completion callback is never called synchronously: aedes handles a client's PUBLISH and asks
 * its parser for the next packet when the publish completes, and a synchronous completion would
 * re-enter the parser. One setImmediate per tick per connection carries all of them.
 */
export function replaceDeliver0(client: Client, encoder: Publish0Encoder, maxQueuedBytes: number): void {
  const c = client as unknown as AedesClientInternals;
  const done = new Completions();
  const afterDrain = (cb: () => void) => (): void => cb();
  c.deliver0 = (packet, cb) => {
    // MQTT 5 No Local (aedes keeps the flag for its MQTT 5 branch); then aedes' duplicate filter.
    if ((packet.nl === true && packet.clientId === c.id) || !firstDelivery(c, packet)) return done.add(cb);
    const fwd = c.broker.authorizeForward(client, packet);
    if (!fwd || !(c.connected || c.connecting)) return done.add(cb);
    c.conn.write(encoder.encode(fwd.topic, fwd.payload as Buffer, fwd.retain));
    if (c.conn.writableLength > maxQueuedBytes) c.waitForDrain(afterDrain(cb));
    else done.add(cb);
  };
}

/** aedes' `dedupe` (lib/client.js): a message reaches a client once however many of its subscriptions match. */
function firstDelivery(c: AedesClientInternals, packet: ForwardedPacket): boolean {
  const id = packet.brokerId;
  if (!id) return true;
  const counter = packet.brokerCounter ?? 0;
  if ((c.duplicates[id] ?? 0) >= counter) return false;
  c.duplicates[id] = counter;
  return true;
}
