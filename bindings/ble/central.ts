/**
 * The narrow central interface the BLE binding needs: adapter state, advertisements, connect,
 * discover, read, write, subscribe, disconnect. One implementation drives noble
 * (noble-central.ts, the only module that imports it); firmware-sim's simulated central
 * implements the same shape structurally on a virtual clock. The binding code is the same over both.
 */

/** Adapter states (noble's names). Only `poweredOn` scans and connects. */
export type AdapterState = 'unknown' | 'resetting' | 'unsupported' | 'unauthorized' | 'poweredOff' | 'poweredOn';

export interface ServiceData {
  /** Normalized UUID (gatt-mapping normalizeUuid): "fcd2". */
  uuid: string;
  data: Uint8Array;
}

/** One advertising report. */
export interface Advertisement {
  /** Lower-case colon form: "54:48:e6:8f:80:a5". */
  address: string;
  connectable: boolean;
  rssi: number;
  localName?: string;
  serviceData: readonly ServiceData[];
}

/** A characteristic found by discovery. */
export interface CharacteristicInfo {
  /** Normalized service and characteristic UUIDs. */
  service: string;
  uuid: string;
  properties: readonly string[];
}

/** One open connection to a peripheral. */
export interface BleConnection {
  readonly address: string;
  discover(): Promise<CharacteristicInfo[]>;
  read(service: string, characteristic: string): Promise<Uint8Array>;
  write(service: string, characteristic: string, data: Uint8Array, withoutResponse?: boolean): Promise<void>;
  subscribe(service: string, characteristic: string, onValue: (value: Uint8Array) => void): Promise<void>;
  disconnect(): Promise<void>;
  /** Called once when the link drops (either side, or an adapter reset). */
  onDisconnect(listener: (reason: string) => void): void;
}

export interface CentralEvents {
  state: [AdapterState];
  advertisement: [Advertisement];
}

export interface BleCentral {
  readonly state: AdapterState;
  on<K extends keyof CentralEvents>(event: K, listener: (...args: CentralEvents[K]) => void): unknown;
  off<K extends keyof CentralEvents>(event: K, listener: (...args: CentralEvents[K]) => void): unknown;
  /** Scans with duplicates reported (every advertising report). */
  startScanning(): Promise<void>;
  stopScanning(): Promise<void>;
  /** Connects; rejects on timeout or when the controller refuses. */
  connect(address: string, opts: { timeoutMs: number }): Promise<BleConnection>;
  /** Releases the adapter (noble keeps the process alive until then). */
  close(): Promise<void>;
}

/** Timer functions the binding uses, injectable so that a simulated central can run them on a virtual clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Rejects with `onTimeout()` when `p` has not settled within `ms` on the given timers. */
export function withTimeout<T>(timers: Timers, p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const h = timers.setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => { timers.clearTimeout(h); resolve(v); },
      (e: unknown) => { timers.clearTimeout(h); reject(e instanceof Error ? e : new Error(String(e))); },
    );
  });
}
