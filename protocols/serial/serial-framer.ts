/**
 * Stream framer for serial frames: takes chunks as they come off a UART, splits them at 0x00,
 * decodes COBS, checks length and CRC, and counts every frame it drops. Resyncs at the next 0x00
 * after any error or an oversize run. Pure: no I/O.
 */
import { RoostError } from '../errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_DELIMITER, FRAME_MIN_BYTES, decodeFrame, type SerialFrame } from './serial-frame.js';
import { cobsMaxEncodedBytes } from './cobs.js';

export interface SerialFramerCounters {
  framesIn: number;
  /** COBS structure broken (noise): a code byte pointing past the delimiter. */
  droppedBadCobs: number;
  droppedBadCrc: number;
  /** Fewer bytes than a header and a CRC. */
  droppedShort: number;
  /** Longer than maxFrameBytes: discarded up to the next delimiter without buffering. */
  droppedOversize: number;
}

export type SerialFramerDrop = 'badCobs' | 'badCrc' | 'short' | 'oversize';

export class SerialFramer {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private skipping = false;
  private readonly maxEncoded: number;
  readonly counters: SerialFramerCounters = { framesIn: 0, droppedBadCobs: 0, droppedBadCrc: 0, droppedShort: 0, droppedOversize: 0 };
  /** Called for each dropped frame (for logs; counting is done here). */
  onDrop: ((why: SerialFramerDrop, err?: RoostError) => void) | null = null;

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxEncoded = cobsMaxEncodedBytes(maxFrameBytes);
  }

  /** Feeds one chunk; returns every complete, valid frame it finished, in order. */
  push(chunk: Uint8Array): SerialFrame[] {
    const out: SerialFrame[] = [];
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let start = 0;
    for (;;) {
      const end = buf.indexOf(FRAME_DELIMITER, start);
      if (end < 0) {
        this.append(buf.subarray(start));
        return out;
      }
      this.append(buf.subarray(start, end));
      start = end + 1;
      const f = this.finish();
      if (f) out.push(f);
    }
  }

  /** Bytes held for an unfinished frame. */
  get buffered(): number {
    return this.size;
  }

  /** Forgets a partial frame (the port was reopened). */
  reset(): void {
    this.parts.length = 0;
    this.size = 0;
    this.skipping = false;
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0 || this.skipping) return;
    if (this.size + bytes.length > this.maxEncoded) {
      this.parts.length = 0;
      this.size = 0;
      this.skipping = true;
      return;
    }
    // Copy: the caller may reuse its chunk buffer.
    this.parts.push(Buffer.from(bytes));
    this.size += bytes.length;
  }

  private finish(): SerialFrame | null {
    if (this.skipping) {
      this.skipping = false;
      this.drop('oversize', 'droppedOversize');
      return null;
    }
    const size = this.size;
    const wire = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, size);
    this.parts.length = 0;
    this.size = 0;
    // An empty frame (two delimiters) is allowed: a sender may flush the line with a 0x00 first.
    if (size === 0) return null;
    // COBS adds one byte: fewer than FRAME_MIN_BYTES + 1 encoded bytes cannot hold a frame.
    if (size < FRAME_MIN_BYTES + 1) {
      this.drop('short', 'droppedShort');
      return null;
    }
    try {
      const f = decodeFrame(wire);
      this.counters.framesIn++;
      return f;
    } catch (err) {
      const e = err as RoostError;
      const reason = e.details?.['reason'];
      if (reason === 'crc') this.drop('badCrc', 'droppedBadCrc', e);
      else if (reason === 'short') this.drop('short', 'droppedShort', e);
      else this.drop('badCobs', 'droppedBadCobs', e);
      return null;
    }
  }

  private drop(why: SerialFramerDrop, counter: keyof SerialFramerCounters, err?: RoostError): void {
    this.counters[counter]++;
    this.onDrop?.(why, err);
  }
}
