/**
 * The narrow interface the binding (and the `roost serial` tools) use to reach a UART, and its one
 * real implementation on @serialport/stream with the native bindings. The native modules are
 * loaded by `await import()` on first use, so they cost nothing when the binding is off.
 */
import { EventEmitter } from 'node:events';
import { BindingUnavailableError } from '../../protocols/errors.js';
import type { PortFraming } from './serial-options.js';

export interface TransportEvents {
  data: [chunk: Buffer];
  /** The port closed: `disconnected` when the device went away (unplugged, pty gone). */
  close: [info: { disconnected: boolean; error?: Error }];
}

/** An open serial port. */
export interface SerialTransport extends EventEmitter<TransportEvents> {
  readonly path: string;
  /** Bytes write() took that the port has not handed to the device yet (it stopped reading: CTS held, RX stalled). */
  readonly writeBacklogBytes: number;
  write(bytes: Buffer): void;
  close(): Promise<void>;
}

/** What listing the system's ports answers (a subset of @serialport's PortInfo). */
export interface PortInfo {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
}

export type PortOpener = (path: string, framing: PortFraming) => Promise<SerialTransport>;
export type PortLister = () => Promise<PortInfo[]>;

type Native = { SerialPortStream: typeof import('@serialport/stream').SerialPortStream; binding: ReturnType<typeof import('@serialport/bindings-cpp').autoDetect> };
let native: Promise<Native> | null = null;

function loadNative(): Promise<Native> {
  native ??= Promise.all([import('@serialport/stream'), import('@serialport/bindings-cpp')]).then(([s, b]) => ({ SerialPortStream: s.SerialPortStream, binding: b.autoDetect() }));
  return native;
}

class NativeTransport extends EventEmitter<TransportEvents> implements SerialTransport {
  private closed = false;

  constructor(readonly path: string, private readonly port: InstanceType<Native['SerialPortStream']>) {
    super();
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    port.on('error', (error: Error) => this.finish(true, error));
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => this.finish(err?.disconnected === true, err ?? undefined));
  }

  get writeBacklogBytes(): number {
    return this.port.writableLength;
  }

  write(bytes: Buffer): void {
    if (this.closed) throw new BindingUnavailableError(`${this.path} is closed`);
    this.port.write(bytes);
  }

  close(): Promise<void> {
    if (this.closed || !this.port.isOpen) {
      this.finish(false);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.port.close(() => {
        this.finish(false);
        resolve();
      });
    });
  }

  private finish(disconnected: boolean, error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', error ? { disconnected, error } : { disconnected });
  }
}

/** Opens a port through @serialport/stream (exclusive lock). Throws BindingUnavailableError. */
export const openNativePort: PortOpener = async (path, framing) => {
  const { SerialPortStream, binding } = await loadNative();
  return new Promise((resolve, reject) => {
    const port = new SerialPortStream({ binding, path, ...framing, autoOpen: false });
    port.open((err) => {
      if (err) reject(new BindingUnavailableError(`cannot open ${path}: ${err.message}`, { path }, { cause: err }));
      else resolve(new NativeTransport(path, port));
    });
  });
};

/**
 * Lists ports through the native bindings. On Linux that runs `udevadm info -e`: where udev is
 * absent (containers, minimal images) it throws BindingUnavailableError; ports named in the
 * config still work.
 */
export const listNativePorts: PortLister = async () => {
  const { binding } = await loadNative();
  try {
    return await binding.list();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'udevadm not found (install udev)' : e.message;
    throw new BindingUnavailableError(`cannot list serial ports: ${why}`, { code: e.code }, { cause: err });
  }
};
