/**
 * A byte-level guard in front of the broker's MQTT parser: it follows packet boundaries from the
 * fixed header (MQTT 3.1.1 §2.2: one type byte, then a Remaining Length of 1-4 bytes, 7 bits each)
 * and refuses a packet whose total size exceeds the limit before its body is buffered. MQTT 3.1.1
 * has no reason code for this (MQTT 5 has 0x95): the connection is closed (§4.8). It also refuses
 * a PUBLISH topic or a SUBSCRIBE/UNSUBSCRIBE filter that is not well-formed UTF-8 or holds U+0000
 * (§1.5.3, packet-strings.ts), before the packet's last byte reaches the broker.
 */
import { Duplex } from 'node:stream';
import { PUBLISH, packetStringsValid, stringBytes } from './packet-strings.js';

const NOTHING = new Uint8Array(0);

export type GuardVerdict =
  | { ok: true }
  | { ok: false; reason: 'too-large'; size: number }
  | { ok: false; reason: 'malformed' }
  | { ok: false; reason: 'bad-string' };

/** The first bytes of a body whose strings are checked once they are all in. */
interface Strings {
  need: number | null;
  parts: Uint8Array[];
  have: number;
}

/** Pure framer state over a byte stream; push() chunks as they come, in any split. */
export class PacketLimit {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private type = 0;
  private strings: Strings | null = null;

  constructor(readonly maxPacketBytes: number) {}

  push(chunk: Uint8Array): GuardVerdict {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.remaining, chunk.length - i);
        if (this.strings && this.strings.have === 0 && this.type === PUBLISH && n >= 2) {
          // The whole topic of a PUBLISH is usually in this chunk: checked where it lies.
          const need = stringBytes(PUBLISH, this.length, chunk.subarray(i, i + 2)) as number;
          if (need <= n) {
            this.strings = null;
            if (!packetStringsValid(PUBLISH, chunk.subarray(i, i + need))) return { ok: false, reason: 'bad-string' };
          }
        }
        if (this.strings && !this.stringsOk(chunk.subarray(i, i + n))) return { ok: false, reason: 'bad-string' };
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) {
          this.state = 'type';
          this.strings = null; // too short to hold its strings: the broker's parser refuses it
        }
        continue;
      }
      const b = chunk[i++] as number;
      if (this.state === 'type') {
        this.type = b >> 4;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (b & 0x80) {
        // §2.2.3: at most four bytes of Remaining Length.
        if (this.lengthBytes === 4) return { ok: false, reason: 'malformed' };
        continue;
      }
      const size = 1 + this.lengthBytes + this.length;
      if (size > this.maxPacketBytes) return { ok: false, reason: 'too-large', size };
      this.remaining = this.length;
      this.state = this.remaining > 0 ? 'body' : 'type';
      this.strings = this.remaining > 0 && stringBytes(this.type, this.length, NOTHING) !== 0 ? { need: null, parts: [], have: 0 } : null;
    }
    return { ok: true };
  }

  /** Takes the next body bytes; false once the packet's strings are in and one is not well formed. */
  private stringsOk(part: Uint8Array): boolean {
    const s = this.strings as Strings;
    s.parts.push(part);
    s.have += part.length;
    if (s.need === null) {
      const head = Buffer.concat(s.parts);
      s.parts = [head];
      s.need = stringBytes(this.type, this.length, head);
    }
    if (s.need === null || s.have < s.need) return true;
    this.strings = null;
    return packetStringsValid(this.type, Buffer.concat(s.parts).subarray(0, s.need));
  }
}

/**
 * Wraps a connection (TCP socket or WebSocket stream) so that the broker reads only what passed the
 * guard; on a refused packet the connection is destroyed and onRefused is told why.
 */
export function guardConnection(inner: Duplex, maxPacketBytes: number, onRefused: (v: Exclude<GuardVerdict, { ok: true }>) => void): Duplex {
  const limit = new PacketLimit(maxPacketBytes);
  // Packets written in one turn of the event loop (a message to many subscribers, a burst of values
  // from the bus, aedes' acknowledgements) leave in one corked batch at the end of the turn: one
  // syscall per connection and turn, not one TCP write per packet (that was a fifth of the CPU under
  // fan-out load, and the largest part of delivering a CoAP value). Past the socket's high-water
  // mark a write waits for 'drain', so the broker's stream buffers and back-pressure still works.
  let corked = false;
  const uncork = (): void => {
    corked = false;
    inner.uncork();
  };
  const corkForTurn = (): void => {
    if (corked) return;
    corked = true;
    inner.cork();
    setImmediate(uncork);
  };
  const outer: Duplex = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      corkForTurn();
      if (inner.write(chunk)) cb();
      else inner.once('drain', () => cb());
    },
    writev(chunks: Array<{ chunk: Buffer }>, cb) {
      corkForTurn();
      let room = true;
      for (const { chunk } of chunks) room = inner.write(chunk);
      if (room) cb();
      else inner.once('drain', () => cb());
    },
    final(cb) {
      inner.end(cb);
    },
    destroy(err, cb) {
      // What the broker wrote last (a refusing CONNACK before it closes) still goes out.
      if (corked) uncork();
      inner.destroy();
      cb(err);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    const v = limit.push(chunk);
    if (!v.ok) {
      onRefused(v);
      inner.destroy();
      outer.destroy();
      return;
    }
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (err) => outer.destroy(err));
  // A peer that sent its last packets, DISCONNECT and FIN (mosquitto_pub -l at the end of its
  // input) closes the socket while up to a read buffer of its packets still waits here for the
  // broker: destroying now dropped them (the tail of every fan-out run, ~100-500 QoS 0 messages).
  // After a clean end the broker reads to the end first, and the end closes the connection.
  inner.on('close', () => {
    if (!inner.readableEnded || outer.readableEnded || outer.destroyed) outer.destroy();
    else outer.once('end', () => outer.destroy());
  });
  return outer;
}
