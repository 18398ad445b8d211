/** Test rig: socat ptys, a gateway with the serial binding on one end, simulated MCUs on the other. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SerialBinding } from '../../../bindings/serial/serial-binding.js';
import { openPty, SerialMcu, type SerialMcuOptions, type SimPort } from '../../../firmware-sim/serial/index.js';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../helpers/gateway.js';
import { SocatPair } from './socat-pair.js';

/** Short timers so unplug, retries and result waits fit in a test. */
export const FAST = { ackTimeoutMs: 100, maxRetries: 3, reconnectMinMs: 50, reconnectMaxMs: 400, presenceCheckMs: 200, helloTimeoutMs: 300, awakeWindowMs: 400, resultTimeoutMs: 3000 };

export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(10);
  }
}

/** Waits until an item is final (or ms ran out) and returns its view. */
export async function finalState(gw: TestGateway, id: string, ms = 5000): Promise<{ state: string; output?: unknown; error?: string; attempts: number }> {
  const end = Date.now() + ms;
  for (;;) {
    const v = gw.hub.getAction(id);
    if (!['queued', 'sent', 'delivered'].includes(v.state) || Date.now() > end) return v;
    await sleep(10);
  }
}

export interface SerialRig {
  pty: SocatPair;
  gw: TestGateway;
  serial: SerialBinding;
  stop(): Promise<void>;
}

/** Gateway config of the rig: the serial binding on the pty's gateway end, with FAST timers. */
export function rigConfig(pty: SocatPair, serial: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { bindings: { serial: { enabled: true, ports: [{ path: pty.gatewayPath }], ...FAST, ...serial } }, ...extra };
}

/** Gateway first (its port waits for the pty), then socat. */
export async function startSerialRig(serial: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, gwOpts: TestGatewayOptions = {}): Promise<SerialRig> {
  const pty = new SocatPair();
  await pty.plug();
  const gw = await startTestGateway(rigConfig(pty, serial, extra), gwOpts);
  const binding = gw.binding('serial') as SerialBinding;
  await until(() => binding.status().gauges?.['portsOpen'] === 1, 5000, 'gateway port open');
  return {
    pty, gw, serial: binding,
    async stop() {
      await gw.stop();
      await pty.close();
    },
  };
}

/** An MCU on the device end of the pty pair, attached (hellos acked). */
export async function attachMcu(path: string, opts: SerialMcuOptions, wrap: (p: SimPort) => SimPort = (p) => p): Promise<SerialMcu> {
  const mcu = new SerialMcu({ link: { ackTimeoutMs: 100, maxRetries: 5 }, ...opts });
  await mcu.attach(wrap(openPty(path)));
  return mcu;
}

/**
 * Waits until the line is quiet for `quietMs` (the gateway's hello request and the MCU's own hello
 * cross at start-up, so a second hello/describe exchange may still be under way).
 */
export async function settle(serial: SerialBinding, quietMs = 400, ms = 5000): Promise<void> {
  const frames = () => serial.status().counters['framesIn']! + serial.status().counters['framesOut']!;
  let last = frames();
  let since = Date.now();
  const end = Date.now() + ms;
  while (Date.now() - since < quietMs) {
    if (Date.now() > end) throw new Error(`serial line not quiet within ${ms} ms`);
    await sleep(20);
    const now = frames();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}
