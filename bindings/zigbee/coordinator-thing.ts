/**
 * The coordinator's own thing (`urn:roost:zigbee:coordinator`, coordinator-td.ts): online while the
 * stick runs, its network parameters and whether joining is open as properties, permit-join as
 * its one action.
 */
import type { BindingContext, DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { COORDINATOR_DEVICE_ID, coordinatorTd, MAX_PERMIT_JOIN_S } from './coordinator-td.js';
import type { ZigbeeNetworkSettings, ZigbeeStack } from './zigbee-stack.js';

export class CoordinatorThing {
  readonly id: string;
  private permitJoinOpen = false;

  /** Registers the thing, offline until the stick starts. */
  constructor(private readonly ctx: BindingContext, private readonly network: ZigbeeNetworkSettings) {
    this.id = ctx.registerThing({ deviceId: COORDINATOR_DEVICE_ID, nativeTd: coordinatorTd(), sleepy: false });
    ctx.setOnline(this.id, false);
  }

  get joinOpen(): boolean {
    return this.permitJoinOpen;
  }

  /** The stick started (joining closed) or went away. */
  running(stack: ZigbeeStack | null): void {
    this.ctx.setOnline(this.id, stack !== null);
    if (!stack) return;
    this.permitJoinOpen = false;
    this.ctx.reportProperties(this.id, { permitJoin: false, channel: this.network.channel, panId: this.network.panId, ieeeAddress: stack.coordinatorIeee() });
  }

  /** The stack said joining opened or closed. */
  permitJoin(open: boolean): void {
    this.permitJoinOpen = open;
    this.ctx.reportProperties(this.id, { permitJoin: open });
  }

  read(name: string, stack: ZigbeeStack | null): unknown {
    const n = this.network;
    return ({ permitJoin: this.permitJoinOpen, channel: n.channel, panId: n.panId, ieeeAddress: stack?.coordinatorIeee() } as Record<string, unknown>)[name];
  }

  /** permitJoin for durationS seconds (capped at 254; absent: 254), once the stick runs. */
  async deliver(item: QueuedItem, stack: ZigbeeStack | null): Promise<DeliveryOutcome> {
    if (item.kind !== 'action' || item.name !== 'permitJoin') return { state: 'failed', error: `the coordinator has no ${item.kind} ${item.name}` };
    if (!stack) return { state: 'retry', reason: 'coordinator not connected' };
    const input = (item.input ?? {}) as { durationS?: number };
    const durationS = Math.max(0, Math.min(MAX_PERMIT_JOIN_S, Math.trunc(input.durationS ?? MAX_PERMIT_JOIN_S)));
    await stack.permitJoin(durationS);
    return { state: 'completed', output: { durationS } };
  }
}
