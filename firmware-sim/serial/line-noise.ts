/**
 * Line noise between a simulated MCU and its port: bit flips and garbage bursts in both
 * directions, from a seeded generator so a failing run can be replayed. Counts what it did.
 */
import { EventEmitter } from 'node:events';
import { Prng } from '../fleet/prng.js';
import type { SimPort, SimPortEvents } from './sim-port.js';

export interface LineNoiseOptions {
  seed: string | number;
  /** Chance that a chunk gets one bit flipped. */
  flipChance: number;
  /** Chance that a burst of random bytes is sent before a chunk. */
  garbageChance: number;
  /** Longest garbage burst in bytes. */
  maxGarbageBytes: number;
}

export interface LineNoiseCounters {
  bitsFlipped: number;
  garbageBursts: number;
  garbageBytes: number;
}

export class NoisyPort extends EventEmitter<SimPortEvents> implements SimPort {
  readonly counters: LineNoiseCounters = { bitsFlipped: 0, garbageBursts: 0, garbageBytes: 0 };
  private readonly rnd: Prng;
  /** Off lets a test make the line clean again without rewiring. */
  enabled = true;

  constructor(private readonly inner: SimPort, private readonly opts: LineNoiseOptions) {
    super();
    this.rnd = new Prng(opts.seed);
    inner.on('data', (chunk) => this.emit('data', this.mangle(chunk)));
    inner.on('close', () => this.emit('close'));
  }

  write(bytes: Buffer): void {
    if (this.enabled && this.rnd.chance(this.opts.garbageChance)) {
      const n = 1 + this.rnd.int(this.opts.maxGarbageBytes);
      this.counters.garbageBursts++;
      this.counters.garbageBytes += n;
      this.inner.write(Buffer.from(Array.from({ length: n }, () => this.rnd.int(256))));
    }
    this.inner.write(this.mangle(bytes));
  }

  close(): void {
    this.inner.close();
  }

  private mangle(chunk: Buffer): Buffer {
    if (!this.enabled || chunk.length === 0 || !this.rnd.chance(this.opts.flipChance)) return chunk;
    const out = Buffer.from(chunk);
    const bit = this.rnd.int(out.length * 8);
    out[bit >> 3]! ^= 1 << (bit & 7);
    this.counters.bitsFlipped++;
    return out;
  }
}
