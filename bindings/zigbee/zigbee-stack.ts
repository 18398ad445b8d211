/**
 * The narrow interface the Zigbee binding sees of its stack, with a typed event map, and the
 * factory that loads the concrete stack (zigbee-herdsman + zigbee-herdsman-converters) with
 * `await import()`, so that the stack and its native serial modules load only when the
 * binding is configured.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ExposeLike } from './exposes-td.js';

export type ZigbeeDeviceType = 'Coordinator' | 'Router' | 'EndDevice' | 'Unknown' | 'GreenPower';

export interface ZigbeeDeviceInfo {
  /** `0x` + 16 hex digits. */
  ieee: string;
  type: ZigbeeDeviceType;
  modelId: string | undefined;
  manufacturer: string | undefined;
  mainsPowered: boolean;
  interviewed: boolean;
  /** Epoch ms of the last frame heard, if any. */
  lastSeen: number | undefined;
}

/** What the converters know of a device model. */
export interface ZigbeeModelInfo {
  vendor: string;
  model: string;
  description: string;
  exposes: ExposeLike[];
  /** True when the converters generated the definition from the clusters (unknown model). */
  generated: boolean;
}

export interface ZigbeeNetworkSettings {
  panId: number;
  extendedPanId: number[];
  channel: number;
  networkKey: number[];
}

export interface ZigbeeStackOptions {
  /** Serial path or `tcp://host:port`. */
  port: string;
  adapter: 'zstack' | 'ember' | 'deconz' | 'zigate' | 'zboss';
  baudRate: number;
  rtscts: boolean;
  disableLed: boolean;
  network: ZigbeeNetworkSettings;
  /** Directory for herdsman's device database and the coordinator backup. */
  dir: string;
  logger: Logger;
}

/** Something the stack could not handle that it guarded against (herdsman-guards.ts): counted, logged. */
export interface ZigbeeStackFault {
  /**
   * `handlerFailed`: one of herdsman's async adapter handlers threw; the frame or join it handled is
   * lost. `invalidBasicAttribute`: a device gave a Basic cluster string attribute another data type.
   */
  kind: 'handlerFailed' | 'invalidBasicAttribute';
  /** The device, when known. */
  ieee: string | undefined;
  message: string;
}

export interface ZigbeeStackEvents {
  deviceJoined: [ieee: string];
  interview: [ieee: string, status: 'started' | 'successful' | 'failed'];
  deviceLeave: [ieee: string];
  /** Values converted from a device frame (the converters' fromZigbee), keyed by expose property. */
  state: [ieee: string, values: Record<string, unknown>];
  /** Any frame heard from a device. */
  heard: [ieee: string];
  permitJoin: [permitted: boolean];
  /** The coordinator went away (unplugged, connection lost). */
  disconnected: [];
  /** Something the stack could not handle and guarded against (herdsman-guards.ts). */
  fault: [fault: ZigbeeStackFault];
  /** Bytes from the stick dropped while framing (garbage, false SOFs), of them frames with a bad checksum. */
  linkDropped: [bytes: number, badFcs: number];
}

export interface ZigbeeStack extends EventEmitter<ZigbeeStackEvents> {
  /** Opens the coordinator and forms or resumes the network: `reset`, `resumed` or `restored`. */
  start(): Promise<string>;
  stop(): Promise<void>;
  coordinatorIeee(): string;
  permitJoin(seconds: number): Promise<void>;
  /** Writes the coordinator backup (network key, PAN ids, channel, children) to its file now. */
  backup(): Promise<void>;
  devices(): ZigbeeDeviceInfo[];
  device(ieee: string): ZigbeeDeviceInfo | undefined;
  /** The model definition of an interviewed device (generated for unknown models). */
  describe(ieee: string): Promise<ZigbeeModelInfo | undefined>;
  /** Runs the model's configure() (bindings, reporting) unless already done for this model version. */
  configure(ieee: string): Promise<'configured' | 'already' | 'none'>;
  /** Converts and sends a property value; answers the state the converters report back. */
  set(ieee: string, property: string, value: unknown): Promise<Record<string, unknown>>;
  /** Asks the device for a property; the value arrives as a `state` event. */
  get(ieee: string, property: string): Promise<void>;
  ping(ieee: string): Promise<void>;
  /** Asks the device to leave the network (ZDO Mgmt_Leave) and forgets it. */
  remove(ieee: string): Promise<void>;
}

export type ZigbeeStackFactory = (opts: ZigbeeStackOptions) => Promise<ZigbeeStack>;

/** Loads herdsman and the converters only now (Adapter.create-style factory). */
export const createHerdsmanStack: ZigbeeStackFactory = async (opts) => {
  const { HerdsmanStack } = await import('./herdsman-stack.js');
  return HerdsmanStack.create(opts);
};
