/**
 * The Zigbee network all Zigbee devices of a run share: one emulated ZNP coordinator
 * (firmware-sim/zigbee) on a TCP port that the gateway's Zigbee binding opens, as it would a
 * network-attached stick. Joining is opened once, through the hub API like any client would
 * (action `permitJoin` of the coordinator's thing), before the first device joins.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceTimeoutError } from '../../../protocols/errors.js';
import { startZigbeeSim, type ZigbeeSim } from '../../zigbee/zigbee-sim.js';
import type { ActionClient } from '../action-client.js';
import type { DeviceContext } from '../device-model.js';

export const COORDINATOR_THING = 'urn:roost:zigbee:coordinator';

/** Longest permit join one broadcast asks for (Zigbee caps it at 254 s). */
const PERMIT_JOIN_S = 254;
const FINAL = new Set(['completed', 'failed', 'expired', 'superseded', 'cancelled']);

export interface ZigbeeNetOptions {
  host: string;
  /** TCP port of the coordinator (0: any free one; `roost fleet` against a gateway started apart needs a fixed one). */
  port: number;
  /** Wall-clock bound of opening the network and of one device's interview. */
  timeoutMs: number;
}

export class ZigbeeNet {
  private sim: Promise<ZigbeeSim> | null = null;
  private joining: Promise<void> | null = null;

  constructor(private readonly opts: ZigbeeNetOptions) {}

  /** The emulated coordinator, started on first use. */
  coordinator(): Promise<ZigbeeSim> {
    // Sleepy devices poll their parent; the fleet decides when they sleep, so a long window.
    this.sim ??= startZigbeeSim({ host: this.opts.host, port: this.opts.port, awakeWindowMs: 60_000 });
    return this.sim;
  }

  /** Opens joining on the gateway once (through the hub API) and waits until the coordinator hears it. */
  openJoining(hub: ActionClient): Promise<void> {
    this.joining ??= (async () => {
      const sim = await this.coordinator();
      let h = await hub.invoke(COORDINATOR_THING, 'permitJoin', { durationS: PERMIT_JOIN_S });
      for (const end = Date.now() + this.opts.timeoutMs; !FINAL.has(h.state); await sleep(50)) {
        if (Date.now() > end) throw new DeviceTimeoutError(`permitJoin on ${COORDINATOR_THING} did not complete within ${this.opts.timeoutMs} ms (state ${h.state})`);
        h = await hub.status(h.id);
      }
      await sim.waitForPermitJoin(this.opts.timeoutMs);
    })();
    return this.joining;
  }

  async close(): Promise<void> {
    const sim = this.sim;
    this.sim = null;
    if (sim) await (await sim).close();
  }
}

/** The run's network, made on first use with the options of the first Zigbee group. */
export function zigbeeNet(ctx: DeviceContext): ZigbeeNet {
  const o = ctx.options;
  return ctx.shared.get('zigbee-net', () => new ZigbeeNet({
    host: typeof o['coordinatorHost'] === 'string' ? o['coordinatorHost'] : '127.0.0.1',
    port: typeof o['coordinatorPort'] === 'number' ? o['coordinatorPort'] : 0,
    timeoutMs: typeof o['joinTimeoutMs'] === 'number' ? o['joinTimeoutMs'] : 60_000,
  }));
}

/** IEEE address of the device at this position of the run (TI's OUI, then the index). */
export function ieeeOf(index: number): string {
  return `0x00124b00${(index >>> 0).toString(16).padStart(8, '0')}`;
}
