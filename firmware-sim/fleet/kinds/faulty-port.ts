/**
 * A serial port of firmware-sim/serial with the fleet's hooks: every frame the device writes is
 * counted and passes through its FaultyLink (a lost frame is retransmitted by the link layer, a
 * duplicated one must be dropped by the gateway). What the device reads is passed untouched:
 * pty reads split and merge frames by timing, and faults drawn per read would not replay.
 */
import { EventEmitter } from 'node:events';
import type { SimPort, SimPortEvents } from '../../serial/sim-port.js';
import type { FaultyLink } from '../faults.js';

export class FaultyPort extends EventEmitter<SimPortEvents> implements SimPort {
  framesOut = 0;
  bytesOut = 0;

  constructor(private readonly inner: SimPort, private readonly link: FaultyLink) {
    super();
    inner.on('data', (chunk) => this.emit('data', chunk));
    inner.on('close', () => this.emit('close'));
  }

  write(bytes: Buffer): void {
    this.framesOut++;
    this.bytesOut += bytes.length;
    for (const b of this.link.active ? this.link.up(bytes) : [bytes]) this.inner.write(b);
  }

  /** Sends what the link still holds back (the device goes to sleep). */
  flush(): void {
    for (const b of this.link.flush()) this.inner.write(b);
  }

  close(): void {
    this.inner.close();
  }
}
