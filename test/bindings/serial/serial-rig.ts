/** Test rig: socat ptys, a gateway with the serial binding on one end, simulated MCUs on the other. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SerialBinding } from '../../../bindings/serial/serial-binding.js';
import { openPty, SerialMcu, type SerialMcuOptions, type SimPort } from '../../../firmware-sim/serial/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { SocatPair } from './socat-pair.js';

/** Short timers so unplug, retries and result waits fit in a test. */
export const FAST = { ackTimeoutMs: 60, maxRetries: 3, reconnectMinMs: 50, reconnectMaxMs: 400, helloTimeoutMs: 300, awakeWindowMs: 400, resultTimeoutMs: 3000 };

export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(10);
  }
}

export interface SerialRig {
  pty: SocatPair;
  gw: TestGateway;
  serial: SerialBinding;
  stop(): Promise<void>;
}

/** Gateway first (its port waits for the pty), then socat. */
export async function startSerialRig(serial: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<SerialRig> {
  const pty = new SocatPair();
  await pty.plug();
  const gw = await startTestGateway({ bindings: { serial: { enabled: true, ports: [{ path: pty.gatewayPath }], ...FAST, ...serial } }, ...extra });
  const binding = gw.binding('serial') as SerialBinding;
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
  const mcu = new SerialMcu({ link: { ackTimeoutMs: 60, maxRetries: 3 }, ...opts });
  await mcu.attach(wrap(openPty(path)));
  return mcu;
}
