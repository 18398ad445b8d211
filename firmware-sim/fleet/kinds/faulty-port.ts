/**
 * A serial port of firmware-sim/serial with the fleet's hooks: every frame the device writes is
 * counted and passes through its FaultyLink (a lost frame is retransmitted by the link layer, a
 * duplicated one must be dropped by the gateway). What the device reads is passed untouched:
 * pty reads split and merge frames by timing, and faults drawn per read would not replay.
 */
import { EventEmitter } from 'node:events';
import type { SimPort, SimPortEvents } from '../../serial/sim-port.js';
import { decodeFrame, FRAME_DELIMITER } from '../../../protocols/serial/serial-frame.js';
import { MESSAGE_TABLE } from '../../../protocols/serial/serial-messages.js';
import type { FaultyLink } from '../faults.js';

export class FaultyPort extends EventEmitter<SimPortEvents> implements SimPort {
  framesOut = 0;
  bytesOut = 0;
  /** Units that have sent their description: the gateway knows their things from then on. */
  readonly described = new Set<number>();

  constructor(private readonly inner: SimPort, private readonly link: FaultyLink) {
    super();
    inner.on('data', (chunk) => this.emit('data', chunk));
    inner.on('close', () => this.emit('close'));
  }

  write(bytes: Buffer): void {
    this.framesOut++;
    this.bytesOut += bytes.length;
    this.watch(bytes);
    for (const b of this.link.active ? this.link.up(bytes) : [bytes]) this.inner.write(b);
  }

  /** Notes a describe the device sends (docs/protocols/serial.md "describe"). */
  private watch(wire: Buffer): void {
    const cobs = wire.subarray(0, wire.length - 1);
    if (cobs.length === 0 || wire[wire.length - 1] !== FRAME_DELIMITER) return;
    try {
      const f = decodeFrame(cobs);
      if (f.type === MESSAGE_TABLE.describe.code && f.payload.length > 0) this.described.add(f.unit);
    } catch {
      // Not one whole frame: nothing to note.
    }
  }

  /** Sends what the link still holds back (the device goes to sleep). */
  flush(): void {
    for (const b of this.link.flush()) this.inner.write(b);
  }

  close(): void {
    this.inner.close();
  }
}
