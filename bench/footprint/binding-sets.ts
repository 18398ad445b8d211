/**
 * The binding sets the footprint benchmarks start the gateway's bundle with (issue 20's table):
 * each a `bindings:` config section, and the bindings /healthz must show settled before the
 * gateway counts as ready. Serial gets a socat pseudo-terminal (no device on it); BLE is enabled
 * with no adapter on these machines (noble loads, the binding waits for an adapter).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface BindingSet {
  name: string;
  bindings(ttyDir: string): Record<string, unknown>;
  /** Bindings that must have left `starting` in /healthz. */
  settled: string[];
}

const coap = { enabled: true, host: '127.0.0.1', port: 0 };

export const BINDING_SETS: readonly BindingSet[] = [
  { name: 'system', bindings: () => ({ system: { enabled: true } }), settled: ['system'] },
  { name: 'system + CoAP', bindings: () => ({ system: { enabled: true }, coap }), settled: ['system', 'coap'] },
  {
    name: 'system + CoAP + serial + BLE',
    bindings: (tty) => ({ system: { enabled: true }, coap, serial: { enabled: true, ports: [{ path: join(tty, 'gw') }] }, ble: { enabled: true } }),
    settled: ['system', 'coap', 'serial', 'ble'],
  },
];

/** /healthz ready test for a binding set: every named binding present and past `starting`. */
export function settledIn(names: readonly string[]): (body: unknown) => boolean {
  return (body) => {
    const b = (body as { bindings?: Record<string, string> }).bindings ?? {};
    return names.every((n) => b[n] !== undefined && b[n] !== 'starting');
  };
}

/** A socat pseudo-terminal pair in `dir` (gw and dev), for the serial binding's port. */
export async function ptyPair(dir: string): Promise<ChildProcess> {
  const p = spawn('socat', [`pty,raw,echo=0,link=${join(dir, 'gw')}`, `pty,raw,echo=0,link=${join(dir, 'dev')}`], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!existsSync(join(dir, 'gw')) || !existsSync(join(dir, 'dev'))) {
    if (Date.now() > deadline) throw new Error('socat made no pty pair in 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return p;
}
