/**
 * One simulated Zigbee device, driven by its profile: answers ZCL foundation commands
 * (read, write, configure reporting), applies cluster commands as data, reports attribute
 * changes and button presses, and sleeps if it is a sleepy end device. The radio side (who
 * carries its frames) is the emulator's business: a device only produces ZCL payloads.
 */
import {
  decodeAttributeRecords, decodeConfigureReporting, decodeReadRequest, decodeZclFrame, encodeAttributeRecords,
  encodeConfigureReportingResponse, encodeDefaultResponse, encodeReadResponse, encodeWriteResponse, encodeZclFrame,
  ZclGlobal, ZclStatus, type ReportingConfig, type ZclHeader,
} from '../../protocols/znp/zcl-frame.js';
import type { ZclValue } from '../../protocols/znp/zcl-types.js';
import type { AttributeSpec, DeviceProfile, EndpointSpec } from './profiles.js';

/** A ZCL frame a device sends: from its endpoint to the coordinator's. */
export interface ZclUplink {
  srcEndpoint: number;
  dstEndpoint: number;
  cluster: number;
  data: Buffer;
}

export interface SimDeviceOptions {
  ieee: string;
  /** How long a sleepy device stays awake after it transmitted (its poll window). */
  awakeWindowMs: number;
  now?: () => number;
}

/** What a joined device keeps of its network (its NIB and keys): enough to find it again. */
export interface NetworkMembership {
  panId: number;
  extendedPanId: Buffer;
  channel: number;
  networkKey: Buffer;
  /** The Trust Center's (coordinator's) IEEE address, `0x` + 16 hex digits. */
  trustCenter: string;
}

export interface SimDeviceCounters {
  zclIn: number;
  zclOut: number;
  /** ZCL bytes received and sent (frames, without network headers). */
  bytesIn: number;
  bytesOut: number;
  /** Cluster commands received, by `cluster:command` (hex). */
  commands: Record<string, number>;
}

export class SimDevice {
  readonly profile: DeviceProfile;
  readonly ieee: string;
  /** Network address, set when it joins. */
  nwkAddr = 0xfffe;
  joined = false;
  /** The network it joined, kept across a replaced coordinator (null before a join, after a leave). */
  membership: NetworkMembership | null = null;
  /** A powered-off device hears nothing and sends nothing (its parent gets no MAC ack). */
  powered = true;
  readonly counters: SimDeviceCounters = { zclIn: 0, zclOut: 0, bytesIn: 0, bytesOut: 0, commands: {} };
  readonly reporting: ReportingConfig[] = [];
  readonly bindings: Array<{ endpoint: number; cluster: number }> = [];
  /** Uplink sink, set by the emulator on join. */
  onUplink: ((u: ZclUplink) => void) | null = null;
  /** Told of each cluster command as it is counted (`cluster:command`, hex), before it takes effect. */
  onCommand: ((id: string) => void) | null = null;
  private readonly attrs = new Map<string, AttributeSpec>();
  private readonly now: () => number;
  private readonly awakeWindowMs: number;
  private awakeUntil = 0;
  private tsn = 0;
  /** Sequence numbers this device echoed in its last answers (see nextTsn). */
  private readonly echoed: number[] = [];

  constructor(profile: DeviceProfile, opts: SimDeviceOptions) {
    this.profile = profile;
    this.ieee = opts.ieee;
    this.now = opts.now ?? Date.now;
    this.awakeWindowMs = opts.awakeWindowMs;
    for (const ep of profile.endpoints) {
      for (const [cluster, attrs] of Object.entries(ep.attributes)) {
        for (const [id, spec] of Object.entries(attrs)) this.attrs.set(key(ep.id, Number(cluster), Number(id)), { ...spec });
      }
    }
  }

  get sleepy(): boolean {
    return this.profile.sleepy;
  }

  /** Mains devices always listen; sleepy ones only inside their awake window. */
  isAwake(): boolean {
    return this.powered && (!this.profile.sleepy || this.now() < this.awakeUntil);
  }

  /** Keeps the radio on for ms (pairing, fast poll). */
  stayAwake(ms: number): void {
    this.awakeUntil = Math.max(this.awakeUntil, this.now() + ms);
  }

  sleep(): void {
    this.awakeUntil = 0;
  }

  endpoint(id: number): EndpointSpec | undefined {
    return this.profile.endpoints.find((e) => e.id === id);
  }

  get(endpoint: number, cluster: number, attribute: number): ZclValue | undefined {
    return this.attrs.get(key(endpoint, cluster, attribute))?.value;
  }

  /** Changes an attribute (a new measurement) and reports it, waking a sleepy device. */
  set(endpoint: number, cluster: number, attribute: number, value: ZclValue): void {
    const spec = this.attrs.get(key(endpoint, cluster, attribute));
    if (!spec) throw new Error(`${this.profile.name} has no attribute 0x${attribute.toString(16)} in cluster 0x${cluster.toString(16)} on endpoint ${endpoint}`);
    spec.value = value;
    this.report(endpoint, cluster, [attribute]);
  }

  /** Sends a named press (remote/button) as its cluster command. */
  press(name: string): void {
    const p = this.profile.presses?.[name];
    if (!p) throw new Error(`${this.profile.name} has no press ${name}`);
    const header: ZclHeader = { clusterSpecific: true, serverToClient: false, disableDefaultResponse: true, tsn: this.nextTsn(), commandId: p.command };
    this.send(p.endpoint, p.cluster, encodeZclFrame({ header, payload: Buffer.from(p.payload ?? []) }));
  }

  /** A sleepy device wakes up and says so (it reports its battery, as real sensors do on wake). */
  wake(): void {
    const ep = this.profile.endpoints.find((e) => e.attributes[0x0001]?.[0x0021]) ?? this.profile.endpoints[0];
    if (!ep) return;
    if (ep.attributes[0x0001]?.[0x0021]) this.report(ep.id, 0x0001, [0x0021]);
    else this.stayAwake(this.awakeWindowMs);
  }

  /** Poll Control Check-in (ZCL §3.16.5.2.1) from the first endpoint with the cluster; false if it has none. */
  checkIn(): boolean {
    const ep = this.profile.endpoints.find((e) => e.inClusters.includes(0x0020));
    if (!ep) return false;
    const header: ZclHeader = { clusterSpecific: true, serverToClient: true, disableDefaultResponse: false, tsn: this.nextTsn(), commandId: 0x00 };
    this.send(ep.id, 0x0020, encodeZclFrame({ header, payload: Buffer.alloc(0) }));
    return true;
  }

  report(endpoint: number, cluster: number, attributes: number[]): void {
    const records = attributes.flatMap((id) => {
      const s = this.attrs.get(key(endpoint, cluster, id));
      return s ? [{ id, type: s.type, value: s.value }] : [];
    });
    const header: ZclHeader = { clusterSpecific: false, serverToClient: true, disableDefaultResponse: true, tsn: this.nextTsn(), commandId: ZclGlobal.report };
    this.send(endpoint, cluster, encodeZclFrame({ header, payload: encodeAttributeRecords(records) }));
  }

  /** Handles one ZCL frame addressed to one of its endpoints; replies go out through onUplink. */
  receiveZcl(endpoint: number, cluster: number, data: Uint8Array, srcEndpoint: number): void {
    this.counters.zclIn++;
    this.counters.bytesIn += data.length;
    const f = decodeZclFrame(data);
    const reply = (clusterSpecific: boolean, commandId: number, payload: Buffer) => {
      this.echoed.unshift(f.header.tsn);
      this.echoed.length = Math.min(this.echoed.length, ECHOED_KEPT);
      const header: ZclHeader = { clusterSpecific, serverToClient: !f.header.serverToClient, disableDefaultResponse: true, tsn: f.header.tsn, commandId };
      if (f.header.manufacturerCode !== undefined) header.manufacturerCode = f.header.manufacturerCode;
      this.send(endpoint, cluster, encodeZclFrame({ header, payload }), srcEndpoint);
    };
    const defaultRsp = (status: number) => {
      if (!f.header.disableDefaultResponse) reply(false, ZclGlobal.defaultRsp, encodeDefaultResponse(f.header.commandId, status));
    };
    if (f.header.clusterSpecific) {
      const id = `${cluster.toString(16)}:${f.header.commandId.toString(16)}`;
      this.counters.commands[id] = (this.counters.commands[id] ?? 0) + 1;
      this.onCommand?.(id);
      const effect = this.endpoint(endpoint)?.commands?.[cluster]?.[f.header.commandId];
      if (!effect) return defaultRsp(ZclStatus.UNSUP_CLUSTER_COMMAND);
      const changed: number[] = [];
      for (const [attr, v] of Object.entries(effect.set ?? {})) changed.push(this.assign(endpoint, cluster, Number(attr), v));
      for (const attr of effect.toggle ?? []) changed.push(this.assign(endpoint, cluster, attr, !this.get(endpoint, cluster, attr)));
      if (effect.fastPoll && f.payload[0] === 1) {
        const quarterS = f.payload.length >= 3 ? f.payload.readUInt16LE(1) : 0;
        const own = this.get(endpoint, cluster, 0x0003);
        this.stayAwake(250 * (quarterS || (typeof own === 'number' ? own : 40)));
      }
      if (effect.setFromU16 && f.payload.length >= effect.setFromU16.offset + 2) {
        changed.push(this.assign(endpoint, cluster, effect.setFromU16.attribute, f.payload.readUInt16LE(effect.setFromU16.offset)));
      }
      defaultRsp(ZclStatus.SUCCESS);
      if (this.reporting.some((r) => r.id === changed[0]) || this.bindings.some((b) => b.cluster === cluster && b.endpoint === endpoint)) {
        this.report(endpoint, cluster, changed.filter((a) => a >= 0));
      }
      return;
    }
    switch (f.header.commandId) {
      case ZclGlobal.read: {
        const records = decodeReadRequest(f.payload).map((id) => {
          const s = this.attrs.get(key(endpoint, cluster, id));
          return s ? { id, status: ZclStatus.SUCCESS, type: s.type, value: s.value } : { id, status: ZclStatus.UNSUPPORTED_ATTRIBUTE };
        });
        return reply(false, ZclGlobal.readRsp, encodeReadResponse(records));
      }
      case ZclGlobal.write:
      case ZclGlobal.writeUndiv:
      case ZclGlobal.writeNoRsp: {
        const failures: Array<{ id: number; status: number }> = [];
        for (const r of decodeAttributeRecords(f.payload)) {
          if (this.assign(endpoint, cluster, r.id, r.value) < 0) failures.push({ id: r.id, status: ZclStatus.UNSUPPORTED_ATTRIBUTE });
        }
        if (f.header.commandId !== ZclGlobal.writeNoRsp) reply(false, ZclGlobal.writeRsp, encodeWriteResponse(failures));
        return;
      }
      case ZclGlobal.configReport: {
        for (const r of decodeConfigureReporting(f.payload)) this.reporting.push(r);
        return reply(false, ZclGlobal.configReportRsp, encodeConfigureReportingResponse([]));
      }
      case ZclGlobal.defaultRsp:
        return;
      default:
        return defaultRsp(ZclStatus.UNSUP_GENERAL_COMMAND);
    }
  }

  /** Returns the attribute id, or -1 when the device has no such attribute. */
  private assign(endpoint: number, cluster: number, attribute: number, value: ZclValue): number {
    const s = this.attrs.get(key(endpoint, cluster, attribute));
    if (!s) return -1;
    s.value = value;
    return attribute;
  }

  private send(endpoint: number, cluster: number, data: Buffer, dstEndpoint = 1): void {
    if (!this.powered) return;
    this.counters.zclOut++;
    this.counters.bytesOut += data.length;
    this.stayAwake(this.awakeWindowMs);
    this.onUplink?.({ srcEndpoint: endpoint, dstEndpoint, cluster, data });
  }

  /**
   * The device's own sequence number, skipping those it just echoed in answers: the converters
   * drop a report whose sequence number is one of the last five seen from that endpoint within
   * 10 s (zigbee-herdsman-converters `hasAlreadyProcessedMessage`), so a report that reused the
   * number of a read answer would be lost at the gateway (docs/bindings/zigbee.md).
   */
  private nextTsn(): number {
    do this.tsn = (this.tsn + 1) & 0xff;
    while (this.echoed.includes(this.tsn));
    return this.tsn;
  }
}

/** Echoed sequence numbers kept (the converters keep the last five per endpoint). */
const ECHOED_KEPT = 5;

function key(endpoint: number, cluster: number, attribute: number): string {
  return `${endpoint}/${cluster}/${attribute}`;
}
