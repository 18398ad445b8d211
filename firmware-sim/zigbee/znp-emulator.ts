/**
 * A TI Z-Stack 3.x ZNP coordinator, emulated: speaks MT over one host link (a socket or a
 * pseudo-terminal), keeps NV memory across host reconnects, forms and restarts a network,
 * and carries ZDO and ZCL traffic between the host and simulated devices. Depends on
 * protocols/ only. Request handlers are a table (znp-handlers.ts).
 */
import { EventEmitter } from 'node:events';
import { encodeMtFrame, MtSubsystem, MtType, type MtFrame } from '../../protocols/znp/mt-frame.js';
import { MtFramer } from '../../protocols/znp/mt-framer.js';
import { buildMtFrame, parseMtFrame } from '../../protocols/znp/mt-commands.js';
import type { MtValues } from '../../protocols/znp/mt-params.js';
import { encodeMacCapabilities, type SimpleDescriptor } from '../../protocols/znp/zdo-descriptors.js';
import { ZnpNv } from './znp-nv.js';
import { DevState, findHandler } from './znp-handlers.js';
import type { SimDevice } from './sim-device.js';

export interface ZnpEmulatorOptions {
  /** Coordinator IEEE address, `0x` + 16 hex digits. */
  ieee?: string;
  /** Delay of callbacks (AREQ) after the SRSP. */
  callbackDelayMs?: number;
  /** How long a frame for a sleeping device waits at its parent before MAC_TRANSACTION_EXPIRED. */
  indirectTimeoutMs?: number;
}

export interface ZnpEmulatorCounters {
  framesIn: number;
  framesOut: number;
  /** Devices that joined through this coordinator (each a Trust Center device indication). */
  joins: number;
  /** Devices attached as members of the network this stick carries (no join, no announce). */
  attaches: number;
  /** Requests the emulator does not implement (answered with an MT RPC error). */
  unknownRequests: number;
  droppedBytes: number;
  badFcs: number;
}

/** One host connection. */
export interface HostLink {
  receive(chunk: Uint8Array): void;
  close(): void;
}

/** A device cannot be attached: it is not a member of the network this stick carries. */
export class NotAMemberError extends Error {
  readonly code = 'ZIGBEE_SIM_NOT_A_MEMBER';
}

const MAC_TRANSACTION_EXPIRED = 0xf0;
const MAC_NO_ACK = 0xe9;
const NWK_NO_ROUTE = 0xcd;
/** MT RPC error (SWRA198 §3.1.1): SRSP in subsystem RES0, command 0, error 2 = invalid command id. */
const RPC_ERR_INVALID_COMMAND = 0x02;

export class ZnpEmulator extends EventEmitter {
  /** The chip's factory IEEE address; NV's EXTADDR, when set, overrides it from the next reset. */
  readonly factoryIeee: string;
  private activeIeee: string;
  readonly nv = new ZnpNv();
  devState: number = DevState.HOLD;
  readonly endpoints = new Map<number, SimpleDescriptor>();
  readonly groups = new Set<string>();
  readonly counters: ZnpEmulatorCounters = { framesIn: 0, framesOut: 0, joins: 0, attaches: 0, unknownRequests: 0, droppedBytes: 0, badFcs: 0 };
  /** Requests seen, by `subsystem:name` (to check coverage). */
  readonly requestsSeen = new Map<string, number>();
  private readonly devicesByNwk = new Map<number, SimDevice>();
  private readonly callbackDelayMs: number;
  private readonly indirectTimeoutMs: number;
  private write: ((b: Buffer) => void) | null = null;
  private permitJoinUntil = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(opts: ZnpEmulatorOptions = {}) {
    super();
    this.factoryIeee = (opts.ieee ?? '0x00124b0000c0ffee').toLowerCase();
    this.activeIeee = this.factoryIeee;
    this.callbackDelayMs = opts.callbackDelayMs ?? 1;
    this.indirectTimeoutMs = opts.indirectTimeoutMs ?? 250;
  }

  /** The IEEE address the stick runs with (what SYS_GET_EXTADDR answers). */
  get ieee(): string {
    return this.activeIeee;
  }

  /** Attaches a host (one at a time, like a UART); a new host replaces the old one. */
  connect(write: (b: Buffer) => void): HostLink {
    const framer = new MtFramer();
    this.write = write;
    const link: HostLink = {
      receive: (chunk) => {
        const frames = framer.push(chunk);
        this.counters.droppedBytes = framer.counters.droppedBytes;
        this.counters.badFcs = framer.counters.badFcs;
        for (const f of frames) this.onFrame(f);
      },
      close: () => {
        if (this.write === write) this.write = null;
      },
    };
    return link;
  }

  /** Schedules a callback after the current SRSP. */
  later(fn: () => void, ms = this.callbackDelayMs): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  send(subsystem: number, name: string, values: MtValues): void {
    this.emitFrame(buildMtFrame(subsystem, name, values));
  }

  private emitFrame(f: MtFrame): void {
    if (!this.write) return;
    this.counters.framesOut++;
    this.write(encodeMtFrame(f));
  }

  private onFrame(f: MtFrame): void {
    this.counters.framesIn++;
    let parsed;
    try {
      parsed = parseMtFrame(f);
    } catch {
      parsed = undefined;
    }
    const handler = parsed && findHandler(f.subsystem, parsed.def.name);
    if (!parsed || !handler) {
      this.counters.unknownRequests++;
      this.emit('unknown', f);
      if (f.type === MtType.SREQ) {
        this.emitFrame({ type: MtType.SRSP, subsystem: MtSubsystem.RES, commandId: 0, data: Uint8Array.from([RPC_ERR_INVALID_COMMAND, (f.type << 5) | f.subsystem, f.commandId]) });
      }
      return;
    }
    const name = `${f.subsystem}:${parsed.def.name}`;
    this.requestsSeen.set(name, (this.requestsSeen.get(name) ?? 0) + 1);
    const rsp = handler(this, parsed.values);
    if (f.type === MtType.SREQ && rsp) this.emitFrame(buildMtFrame(f.subsystem, parsed.def.name, rsp, true));
  }

  // --- coordinator state

  /** SYS_RESET_REQ: the stick reboots (state kept in NV unless STARTUP_OPTION says clear). */
  reset(): void {
    this.devState = DevState.HOLD;
    // Z-Stack reads ZCD_NV_EXTADDR at boot; a host's restore writes the old stick's address there.
    this.activeIeee = this.nv.extAddr() ?? this.factoryIeee;
    if (this.nv.onReset()) {
      for (const d of this.devicesByNwk.values()) d.joined = false;
      this.devicesByNwk.clear();
    }
    // Reason 2 = external/soft reset; product 1 = Z-Stack 3.x.0 (SWRA198 §3.8.2.1).
    this.later(() => this.send(MtSubsystem.SYS, 'resetInd', { reason: 2, transportrev: 2, productid: 1, majorrel: 2, minorrel: 7, hwrev: 1 }), 5);
  }

  /** ZDO_STARTUP_FROM_APP: start as coordinator if a network is formed. */
  startCoordinator(): void {
    if (!this.nv.network()) return;
    this.goCoordinator();
  }

  /** BDB commissioning: mode bit 2 (0x04) forms a network (BDB spec 13-0402 §8.4). */
  commission(mode: number): void {
    if (mode & 0x04) this.nv.form(Buffer.from(this.ieee.slice(2), 'hex').reverse());
    if (this.nv.network()) this.goCoordinator();
    this.later(() => this.send(MtSubsystem.APP_CNF, 'bdbCommissioningNotification', { status: 0, mode, remainingmodes: 0 }), 5);
  }

  private goCoordinator(): void {
    this.later(() => {
      this.send(MtSubsystem.ZDO, 'stateChangeInd', { state: DevState.COORD_STARTING });
      this.devState = DevState.ZB_COORD;
      this.send(MtSubsystem.ZDO, 'stateChangeInd', { state: DevState.ZB_COORD });
    }, 5);
  }

  permitJoin(durationS: number): void {
    // 0xff: open until closed (Zigbee §2.4.3.3.7).
    this.permitJoinUntil = durationS === 0 ? 0 : durationS === 0xff ? Number.POSITIVE_INFINITY : Date.now() + durationS * 1000;
    this.emit('permitJoin', durationS);
  }

  get joinPermitted(): boolean {
    return Date.now() < this.permitJoinUntil;
  }

  // --- devices

  /** A device joins through the coordinator (join must be permitted unless forced). */
  join(dev: SimDevice, opts: { force?: boolean; pairingAwakeMs?: number } = {}): void {
    if (this.devState !== DevState.ZB_COORD) throw new Error('the coordinator has not started a network');
    if (!opts.force && !this.joinPermitted) throw new Error('join is not permitted');
    if (!dev.joined) {
      dev.nwkAddr = this.freeNwkAddr();
      dev.joined = true;
    }
    const network = this.nv.network();
    if (network) dev.membership = { ...network, trustCenter: this.ieee };
    this.nv.tables.addChild(dev.ieee, dev.nwkAddr);
    this.counters.joins++;
    this.link(dev);
    // Sleepy devices poll fast while pairing (BDB §8.2), long enough for interview and configure.
    dev.stayAwake(opts.pairingAwakeMs ?? 60000);
    this.send(MtSubsystem.ZDO, 'tcDeviceInd', { nwkaddr: dev.nwkAddr, extaddr: dev.ieee, parentaddr: 0 });
    this.later(() => this.announce(dev), 2);
  }

  /**
   * A device that is already a member of the network this stick now carries (it kept its PAN id,
   * extended PAN id, channel, network key, Trust Center address and short address, as a real
   * device does when the coordinator stick is replaced and the network restored onto the new one)
   * talks through this coordinator again: no join, no announce, no interview. Refused unless the
   * stick runs that network and lists the device as its child (a restore writes the address
   * manager table back); a real parent would otherwise answer its polls with a leave.
   */
  attach(dev: SimDevice): void {
    if (this.devState !== DevState.ZB_COORD) throw new NotAMemberError('the coordinator has not started a network');
    const m = dev.membership;
    const n = this.nv.network();
    if (!dev.joined || !m || !n) throw new NotAMemberError(`${dev.ieee} is not a member of any network`);
    const same = m.panId === n.panId && m.extendedPanId.equals(n.extendedPanId) && m.channel === n.channel
      && m.networkKey.equals(n.networkKey) && m.trustCenter === this.ieee;
    if (!same) throw new NotAMemberError(`${dev.ieee} belongs to another network (PAN 0x${m.panId.toString(16)}, channel ${m.channel}, Trust Center ${m.trustCenter})`);
    const child = this.nv.tables.child(dev.ieee);
    if (!child || child.nwkAddr !== dev.nwkAddr) throw new NotAMemberError(`${dev.ieee} is not a child in this coordinator's address manager table`);
    this.counters.attaches++;
    this.link(dev);
  }

  private link(dev: SimDevice): void {
    this.devicesByNwk.set(dev.nwkAddr, dev);
    dev.onUplink = (u) => this.deliverUplink(dev, u.srcEndpoint, u.dstEndpoint, u.cluster, u.data);
  }

  /** ZDO Device_annce (Zigbee §2.4.3.1.11): what a device sends after joining or powering up. */
  announce(dev: SimDevice): void {
    if (!dev.joined || !dev.powered) return;
    const p = dev.profile;
    this.send(MtSubsystem.ZDO, 'endDeviceAnnceInd', {
      srcaddr: dev.nwkAddr, nwkaddr: dev.nwkAddr, ieeeaddr: dev.ieee,
      capabilities: encodeMacCapabilities({ ffd: p.logicalType === 'router', mainsPowered: p.mainsPowered, rxOnWhenIdle: !p.sleepy }),
    });
  }

  /** The device leaves the network (on its own or when asked). */
  leave(dev: SimDevice): void {
    if (!dev.joined) return;
    this.devicesByNwk.delete(dev.nwkAddr);
    this.nv.tables.removeChild(dev.ieee);
    dev.joined = false;
    dev.membership = null;
    dev.onUplink = null;
    this.later(() => this.send(MtSubsystem.ZDO, 'leaveInd', { srcaddr: dev.nwkAddr, extaddr: dev.ieee, request: 0, removechildren: 0, rejoin: 0 }));
  }

  joinedDevices(): SimDevice[] {
    return [...this.devicesByNwk.values()];
  }

  deviceByIeee(ieee: string): SimDevice | undefined {
    return this.joinedDevices().find((d) => d.ieee === ieee.toLowerCase());
  }

  /** A joined device that is listening now. */
  reachable(nwkAddr: number): SimDevice | undefined {
    const d = this.devicesByNwk.get(nwkAddr);
    return d && d.isAwake() ? d : undefined;
  }

  /** AF_DATA_REQUEST to a device: confirm, then hand it the frame, or expire it if it sleeps. */
  routeToDevice(nwkAddr: number, dstEndpoint: number, srcEndpoint: number, cluster: number, transid: number, data: Buffer): void {
    const dev = this.devicesByNwk.get(nwkAddr);
    const confirm = (status: number) => this.send(MtSubsystem.AF, 'dataConfirm', { status, endpoint: srcEndpoint, transid });
    if (!dev) return confirm(NWK_NO_ROUTE);
    if (!dev.powered) return this.later(() => confirm(MAC_NO_ACK), this.indirectTimeoutMs);
    if (!dev.isAwake()) return this.later(() => confirm(MAC_TRANSACTION_EXPIRED), this.indirectTimeoutMs);
    confirm(0);
    try {
      dev.receiveZcl(dstEndpoint, cluster, data, srcEndpoint);
    } catch (err) {
      this.emit('deviceError', dev, err);
    }
  }

  private deliverUplink(dev: SimDevice, srcEndpoint: number, dstEndpoint: number, cluster: number, data: Buffer): void {
    this.later(() => this.send(MtSubsystem.AF, 'incomingMsg', {
      groupid: 0, clusterid: cluster, srcaddr: dev.nwkAddr, srcendpoint: srcEndpoint, dstendpoint: dstEndpoint,
      wasbroadcast: 0, linkquality: 200, securityuse: 0, timestamp: (Date.now() & 0xffffffff) >>> 0, transseqnumber: 0, len: data.length, data,
    }));
  }

  private freeNwkAddr(): number {
    for (;;) {
      const a = 0x0001 + Math.floor(Math.random() * 0xfff0);
      if (!this.devicesByNwk.has(a)) return a;
    }
  }

  /** Cancels pending callbacks. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.write = null;
  }
}
