/**
 * The reliable link over a byte stream (docs/protocols/serial.md "Acknowledgement and retries"):
 * stop-and-wait, one unacknowledged frame per direction; an 8-bit sequence number per sender;
 * every frame but an ack is acknowledged by an ack echoing its seq and unit; a frame is sent again
 * after ackTimeoutMs, at most maxRetries times; a receiver drops (and acks again) a duplicate.
 * The owner may hold an ack back until what the frame carried is stored ("What an acknowledgement
 * means"): message() then returns a promise; resolved, the ack goes; rejected, no ack goes and the
 * frame is forgotten, so the peer's retransmission is handled as new. Both the gateway and the
 * firmware simulator use it. No I/O: the owner passes write() and feeds the bytes it reads.
 */
import { BindingUnavailableError, DeviceNotFoundError, DeviceTimeoutError, QueueFullError, RoostError } from '../errors.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, type SerialFrame } from './serial-frame.js';
import { SerialFramer, type SerialFramerCounters, type SerialFramerDrop } from './serial-framer.js';
import { MESSAGE_TABLE, decodeMessage, encodeMessage, type SerialMessage } from './serial-messages.js';

export interface SerialLinkOptions {
  /** Wait for an ack before sending again (default 250). */
  ackTimeoutMs: number;
  /** Retransmissions after the first send (default 3: four sends in all). */
  maxRetries: number;
  /** Largest frame body, header and CRC included (default 256). */
  maxFrameBytes: number;
  /** Frames waiting behind the unacknowledged one (default 64). */
  maxQueuedFrames: number;
  /** A frame equal to the last accepted one (same seq, same bytes) within this time is a duplicate (default 2000). */
  duplicateWindowMs: number;
  /** SenML records in one telemetry pack (default 256). */
  maxSenmlRecords: number;
}

export const DEFAULT_LINK_OPTIONS: Readonly<SerialLinkOptions> = {
  ackTimeoutMs: 250,
  maxRetries: 3,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxQueuedFrames: 64,
  duplicateWindowMs: 2000,
  maxSenmlRecords: 256,
};

export interface SerialLinkCounters extends SerialFramerCounters {
  framesOut: number;
  acksIn: number;
  acksOut: number;
  /** Acks that matched no frame in flight (late or corrupted into another seq). */
  acksStray: number;
  retries: number;
  /** Frames given up after maxRetries. */
  sendFailures: number;
  duplicates: number;
  /** Valid CRC but an unknown type or a payload that does not decode: acked, then dropped. */
  droppedBadMessage: number;
  /** Frames whose owner refused them (its promise rejected): not acknowledged, not remembered. */
  acksWithheld: number;
  /** Frames the port did not take (closed, or the peer stopped reading): an ack lost, or a send its retries cover. */
  writesRefused: number;
}

/** What the owner hears about: messages and dropped frames (for logs). */
export interface SerialLinkEvents {
  /**
   * A new frame. Returning nothing acks it at once; returning a promise acks it when the promise
   * resolves and never when it rejects (the peer sends it again and it is handled as new).
   */
  message(msg: SerialMessage, unit: number): void | Promise<unknown>;
  drop?(why: SerialFramerDrop | 'badMessage', err?: RoostError): void;
}

/** The last frame accepted, for the duplicate filter; `acked` false while its owner decides. */
interface LastFrame {
  seq: number;
  unit: number;
  type: number;
  payload: Buffer;
  at: number;
  acked: boolean;
}

interface Outgoing {
  type: number;
  unit: number;
  payload: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface InFlight {
  seq: number;
  unit: number;
  wire: Buffer;
  sends: number;
  timer: NodeJS.Timeout;
  out: Outgoing;
}

export class SerialLink {
  readonly opts: SerialLinkOptions;
  private readonly framer: SerialFramer;
  private readonly queue: Outgoing[] = [];
  private inFlight: InFlight | null = null;
  private nextSeq = 0;
  private last: LastFrame | null = null;
  /** Set while the owner handles a frame: what it sends waits for that frame's ack. */
  private deferred: Buffer[] | null = null;
  private closed = false;
  private readonly own = { framesOut: 0, acksIn: 0, acksOut: 0, acksStray: 0, retries: 0, sendFailures: 0, duplicates: 0, droppedBadMessage: 0, acksWithheld: 0, writesRefused: 0 };

  constructor(
    private readonly write: (bytes: Buffer) => void,
    private readonly events: SerialLinkEvents,
    opts: Partial<SerialLinkOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULT_LINK_OPTIONS, ...opts };
    this.framer = new SerialFramer(this.opts.maxFrameBytes);
    this.framer.onDrop = (why, err) => this.events.drop?.(why, err);
  }

  get counters(): SerialLinkCounters {
    return { ...this.framer.counters, ...this.own };
  }

  /** Frames waiting (the one in flight included). */
  get backlog(): number {
    return this.queue.length + (this.inFlight ? 1 : 0);
  }

  /** Feeds bytes read from the port. */
  feed(chunk: Uint8Array): void {
    for (const f of this.framer.push(chunk)) this.receive(f);
  }

  /** Sends one message reliably; resolves when acked. Rejects DeviceTimeoutError after the retries. */
  send(msg: SerialMessage, unit = 0): Promise<void> {
    if (this.closed) return Promise.reject(new BindingUnavailableError('serial link closed'));
    let enc: { type: number; payload: Buffer };
    try {
      enc = encodeMessage(msg);
      encodeFrame({ ...enc, seq: 0, unit }, this.opts.maxFrameBytes); // size check before queueing
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.queue.length >= this.opts.maxQueuedFrames) {
      return Promise.reject(new QueueFullError(`serial link send queue full (${this.opts.maxQueuedFrames} frames)`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ...enc, unit, resolve, reject });
      this.pump();
    });
  }

  /** Forgets the peer's state (the port was reopened): partial frame and duplicate filter. */
  reset(): void {
    this.framer.reset();
    this.last = null;
  }

  /**
   * Stops sending the frames of one unit, the one in flight included: the peer said it does not
   * know the unit (docs/protocols/serial.md "Unknown units"), so they would never be acked. Their
   * sends reject with DeviceNotFoundError; returns how many.
   */
  abandon(unit: number, reason = `unit ${unit} unknown to the peer`): number {
    const err = new DeviceNotFoundError(reason, { unit });
    let n = 0;
    const fl = this.inFlight;
    if (fl && fl.unit === unit) {
      clearTimeout(fl.timer);
      this.inFlight = null;
      fl.out.reject(err);
      n++;
    }
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const o = this.queue[i]!;
      if (o.unit !== unit) continue;
      this.queue.splice(i, 1);
      o.reject(err);
      n++;
    }
    this.pump();
    return n;
  }

  /** Rejects everything pending; later sends reject at once. */
  close(reason = 'serial link closed'): void {
    this.closed = true;
    const err = new BindingUnavailableError(reason);
    if (this.inFlight) {
      clearTimeout(this.inFlight.timer);
      this.inFlight.out.reject(err);
      this.inFlight = null;
    }
    for (const o of this.queue.splice(0)) o.reject(err);
  }

  private receive(f: SerialFrame): void {
    if (f.type === MESSAGE_TABLE.ack.code) {
      this.own.acksIn++;
      const fl = this.inFlight;
      if (!fl || fl.seq !== f.seq || fl.unit !== f.unit) {
        this.own.acksStray++;
        return;
      }
      clearTimeout(fl.timer);
      this.inFlight = null;
      fl.out.resolve();
      this.pump();
      return;
    }
    const at = this.now();
    const l = this.last;
    if (l && l.seq === f.seq && l.unit === f.unit && l.type === f.type && at - l.at <= this.opts.duplicateWindowMs && l.payload.equals(f.payload)) {
      // A retransmission: its ack was lost (ack again), or its owner has not decided yet (the ack follows).
      this.own.duplicates++;
      if (l.acked) this.ack(f);
      return;
    }
    const entry: LastFrame = { seq: f.seq, unit: f.unit, type: f.type, payload: f.payload, at, acked: false };
    this.last = entry;
    let msg: SerialMessage;
    try {
      msg = decodeMessage(f, { maxSenmlRecords: this.opts.maxSenmlRecords });
    } catch (err) {
      // The CRC was good, so a retransmission would carry the same bytes: ack it and drop it.
      this.ackEntry(f, entry);
      this.own.droppedBadMessage++;
      this.events.drop?.('badMessage', err as RoostError);
      return;
    }
    // Frames the owner sends while handling this one leave after the ack when it is acked at once.
    const deferred: Buffer[] = [];
    this.deferred = deferred;
    let held: void | Promise<unknown>;
    try {
      held = this.events.message(msg, f.unit);
    } catch (err) {
      held = Promise.reject(err);
    } finally {
      this.deferred = null;
    }
    if (!held) this.ackEntry(f, entry);
    for (const bytes of deferred) this.emit(bytes);
    held?.then(() => this.ackEntry(f, entry), () => {
      this.own.acksWithheld++;
      if (this.last === entry) this.last = null;
    });
  }

  private ackEntry(f: SerialFrame, entry: LastFrame): void {
    if (this.closed) return;
    entry.acked = true;
    this.ack(f);
  }

  private ack(f: SerialFrame): void {
    this.own.acksOut++;
    this.emit(encodeFrame({ type: MESSAGE_TABLE.ack.code, seq: f.seq, unit: f.unit, payload: Buffer.alloc(0) }, this.opts.maxFrameBytes));
  }

  private pump(): void {
    if (this.inFlight || this.closed) return;
    const out = this.queue.shift();
    if (!out) return;
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) & 0xff;
    const wire = encodeFrame({ type: out.type, seq, unit: out.unit, payload: out.payload }, this.opts.maxFrameBytes);
    const fl: InFlight = { seq, unit: out.unit, wire, sends: 0, timer: undefined as unknown as NodeJS.Timeout, out };
    this.inFlight = fl;
    this.transmit(fl);
  }

  private transmit(fl: InFlight): void {
    fl.sends++;
    if (fl.sends > 1) this.own.retries++;
    this.own.framesOut++;
    this.emit(fl.wire);
    fl.timer = setTimeout(() => this.expired(fl), this.opts.ackTimeoutMs);
  }

  private expired(fl: InFlight): void {
    if (this.inFlight !== fl) return;
    if (fl.sends <= this.opts.maxRetries) {
      this.transmit(fl);
      return;
    }
    this.inFlight = null;
    this.own.sendFailures++;
    fl.out.reject(new DeviceTimeoutError(`no ack for seq ${fl.seq} after ${fl.sends} sends`, { seq: fl.seq, sends: fl.sends }));
    this.pump();
  }

  private emit(bytes: Buffer): void {
    if (this.deferred) {
      this.deferred.push(bytes);
      return;
    }
    try {
      this.write(bytes);
    } catch {
      // The port went away (the owner sees its close event) or is full: the peer retransmits what
      // it sent, and our retries run out on their own.
      this.own.writesRefused++;
    }
  }
}
