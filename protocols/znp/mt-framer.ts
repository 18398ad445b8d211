/**
 * Stream framer for MT frames: takes chunks as they come off a UART or socket, resyncs on
 * SOF, checks FCS, and counts what it drops (garbage bytes, bad checksums). Pure: no I/O.
 */
import { decodeMtFrame, MT_MAX_DATA_BYTES, MT_OVERHEAD_BYTES, MT_SOF, mtFcs, type MtFrame } from './mt-frame.js';

export interface MtFramerOptions {
  /** Longest LEN accepted; a larger LEN is treated as a false SOF. Default 250 (Z-Stack's limit). */
  maxDataBytes?: number;
}

export interface MtFramerCounters {
  frames: number;
  /** Bytes skipped while looking for SOF, or after a false SOF. */
  droppedBytes: number;
  badFcs: number;
}

export class MtFramer {
  private buf: Buffer = Buffer.alloc(0);
  private readonly maxDataBytes: number;
  readonly counters: MtFramerCounters = { frames: 0, droppedBytes: 0, badFcs: 0 };

  constructor(opts: MtFramerOptions = {}) {
    this.maxDataBytes = Math.min(opts.maxDataBytes ?? MT_MAX_DATA_BYTES, 255);
  }

  /** Feeds one chunk; returns every complete, valid frame it finished. */
  push(chunk: Uint8Array): MtFrame[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: MtFrame[] = [];
    for (;;) {
      const sof = this.buf.indexOf(MT_SOF);
      if (sof < 0) {
        this.drop(this.buf.length);
        break;
      }
      if (sof > 0) this.drop(sof);
      if (this.buf.length < 2) break;
      const len = this.buf[1] ?? 0;
      if (len > this.maxDataBytes) {
        this.drop(1);
        continue;
      }
      const total = len + MT_OVERHEAD_BYTES;
      if (this.buf.length < total) break;
      const candidate = this.buf.subarray(0, total);
      if (mtFcs(candidate.subarray(1, total - 1)) !== candidate[total - 1]) {
        // A bad FCS may be a false SOF inside garbage: skip that one byte and look again.
        this.counters.badFcs++;
        this.drop(1);
        continue;
      }
      out.push(decodeMtFrame(candidate));
      this.counters.frames++;
      this.buf = this.buf.subarray(total);
    }
    return out;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buf.length;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }

  private drop(n: number): void {
    this.counters.droppedBytes += n;
    this.buf = this.buf.subarray(n);
  }
}
