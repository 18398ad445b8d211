/**
 * The device end of a serial line for simulated MCUs: a pseudo-terminal opened with node's own
 * tty streams (not @serialport), so the simulator shares no transport code with the gateway.
 */
import { EventEmitter } from 'node:events';
import { closeSync, constants, openSync } from 'node:fs';
import { ReadStream } from 'node:tty';

export interface SimPortEvents {
  data: [chunk: Buffer];
  close: [];
}

/** What a simulated MCU writes to and reads from. */
export interface SimPort extends EventEmitter<SimPortEvents> {
  write(bytes: Buffer): void;
  close(): void;
}

class PtyPort extends EventEmitter<SimPortEvents> implements SimPort {
  private closed = false;

  constructor(private readonly stream: ReadStream) {
    super();
    stream.on('data', (chunk: Buffer) => this.emit('data', chunk));
    // The other end went away (socat killed): EIO, then end/close.
    stream.on('error', () => this.close());
    stream.on('close', () => this.close());
  }

  write(bytes: Buffer): void {
    if (!this.closed) this.stream.write(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
    this.emit('close');
  }
}

/** Opens a pty (or tty) path for reading and writing, raw. Throws the system error if absent. */
export function openPty(path: string): SimPort {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  try {
    const stream = new ReadStream(fd);
    stream.setRawMode(true);
    return new PtyPort(stream);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
