/**
 * ZigbeeStack on zigbee-herdsman (coordinator, network, interview) and
 * zigbee-herdsman-converters (model definitions: exposes, fromZigbee, toZigbee, configure).
 * Loaded only through createHerdsmanStack() (zigbee-stack.ts).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Controller, setLogger as setHerdsmanLogger, type Events } from 'zigbee-herdsman';
import * as zhc from 'zigbee-herdsman-converters';
import type { Logger } from 'pino';
import { AffordanceNotFoundError, DeviceNotFoundError } from '../../protocols/errors.js';
import type { ExposeLike } from './exposes-td.js';
import { converterDefinitions } from './converter-definitions.js';
import { forgetInvalidBasic, guardControllerHandlers, replaceZnpParser } from './herdsman-guards.js';
import type { ModelDefinitions } from './model-definitions.js';
import type { ZigbeeDeviceInfo, ZigbeeModelInfo, ZigbeeStack, ZigbeeStackEvents, ZigbeeStackOptions } from './zigbee-stack.js';

type Device = ReturnType<Controller['getDevices']>[number];
type Endpoint = Device['endpoints'][number];
type KeyValue = Record<string, unknown>;
/** The parts of a converters Definition this file uses (their own types are deep generics). */
interface Definition {
  vendor: string;
  model: string;
  description: string;
  version?: string;
  generated?: boolean;
  exposes: ExposeLike[] | ((device: Device | undefined, options: KeyValue) => ExposeLike[]);
  fromZigbee: Array<{ cluster: string | number; type: string | readonly string[]; convert: (...a: unknown[]) => unknown }>;
  toZigbee: Array<{ key?: string[]; endpoints?: string[]; convertSet?: (...a: unknown[]) => unknown; convertGet?: (...a: unknown[]) => unknown }>;
  configure?: (device: Device, coordinatorEndpoint: Endpoint, definition: Definition) => Promise<void>;
  endpoint?: (device: Device) => Record<string, number>;
}

/** herdsman and the converters log through one module-level logger each; route both to pino. */
function routeLogs(logger: Logger): void {
  // Messages may be thunks (built only when logged). herdsman's own levels sit one below ours:
  // its info is routine chatter, its errors are mostly recovered retries.
  type Msg = string | (() => string);
  const text = (m: Msg) => (typeof m === 'function' ? m() : m);
  const sink = {
    debug: (m: Msg, ns: string) => { if (logger.isLevelEnabled('trace')) logger.trace({ ns }, text(m)); },
    info: (m: Msg, ns: string) => { if (logger.isLevelEnabled('debug')) logger.debug({ ns }, text(m)); },
    warning: (m: Msg, ns: string) => logger.info({ ns }, text(m)),
    error: (m: Msg, ns: string) => logger.warn({ ns }, text(m)),
  };
  setHerdsmanLogger(sink as unknown as Parameters<typeof setHerdsmanLogger>[0]);
  zhc.setLogger(sink as unknown as Parameters<typeof zhc.setLogger>[0]);
}

export class HerdsmanStack extends EventEmitter<ZigbeeStackEvents> implements ZigbeeStack {
  private readonly controller: Controller;
  private readonly definitions = new Map<string, Definition | null>();
  /** Definitions by the converters' lookup, without the rest of their vendor files (made at the first lookup). */
  private models: ModelDefinitions<Definition> | undefined;
  /** Last converted state per device: the converters read it (meta.state). */
  private readonly states = new Map<string, KeyValue>();

  static create(opts: ZigbeeStackOptions): HerdsmanStack {
    return new HerdsmanStack(opts);
  }

  private constructor(private readonly opts: ZigbeeStackOptions) {
    super();
    routeLogs(opts.logger);
    this.controller = new Controller({
      network: { panID: opts.network.panId, extendedPanID: opts.network.extendedPanId, channelList: [opts.network.channel], networkKey: opts.network.networkKey },
      serialPort: { path: opts.port, adapter: opts.adapter, baudRate: opts.baudRate, rtscts: opts.rtscts },
      databasePath: join(opts.dir, 'database.db'),
      databaseBackupPath: join(opts.dir, 'database.db.backup'),
      backupPath: join(opts.dir, 'coordinator_backup.json'),
      adapter: { disableLED: opts.disableLed },
      acceptJoiningDeviceHandler: () => Promise.resolve(true),
    });
    const c = this.controller;
    guardControllerHandlers(c, (f) => this.emit('fault', f));
    c.on('deviceJoined', (e) => this.emit('deviceJoined', e.device.ieeeAddr));
    c.on('deviceInterview', (e) => {
      // The interview stored the Basic cluster answers as they came.
      if (e.status !== 'started') {
        this.checkBasic(e.device);
        this.definitions.delete(e.device.ieeeAddr);
      }
      this.emit('interview', e.device.ieeeAddr, e.status);
    });
    c.on('deviceLeave', (e) => {
      this.definitions.delete(e.ieeeAddr);
      this.states.delete(e.ieeeAddr);
      this.emit('deviceLeave', e.ieeeAddr);
    });
    c.on('lastSeenChanged', (e) => this.emit('heard', e.device.ieeeAddr));
    c.on('permitJoinChanged', (e) => this.emit('permitJoin', e.permitted));
    c.on('adapterDisconnected', () => this.emit('disconnected'));
    c.on('message', (m) => {
      // Emitted before herdsman's own handling of the frame (Device.onZclData), which needs strings there.
      if (m.cluster === 'genBasic') this.checkBasic(m.device);
      this.onMessage(m).catch((err: unknown) => opts.logger.warn({ err, ieee: m.device.ieeeAddr }, 'zigbee message not converted'));
    });
  }

  async start(): Promise<string> {
    const result = await this.controller.start();
    replaceZnpParser(this.controller, (bytes, badFcs) => this.emit('linkDropped', bytes, badFcs));
    // A database written before these checks may hold such values.
    for (const d of this.controller.getDevices()) this.checkBasic(d);
    return result;
  }

  private checkBasic(d: Device): void {
    for (const f of forgetInvalidBasic(d)) this.emit('fault', f);
  }

  async stop(): Promise<void> {
    try {
      await this.controller.stop();
    } finally {
      this.clearTimers();
      this.models?.close();
    }
  }

  /**
   * herdsman 10.9.5 leaves two timers armed after stop(), which would hold the process open:
   * the permit-join timer when the adapter had disconnected (up to 254 s), and the zstack
   * adapter's 60 s route-discovery debouncers of end-device announcements. Clear both, also when
   * stop() throws (it does once the coordinator went away).
   */
  private clearTimers(): void {
    const c = this.controller as unknown as {
      permitJoinTimer?: NodeJS.Timeout;
      adapter?: { deviceAnnounceRouteDiscoveryDebouncers?: Map<number, { clear?: () => void }> };
    };
    clearTimeout(c.permitJoinTimer);
    c.permitJoinTimer = undefined;
    for (const d of c.adapter?.deviceAnnounceRouteDiscoveryDebouncers?.values() ?? []) d.clear?.();
    c.adapter?.deviceAnnounceRouteDiscoveryDebouncers?.clear();
  }

  coordinatorIeee(): string {
    return this.controller.getDevicesByType('Coordinator')[0]?.ieeeAddr ?? '';
  }

  permitJoin(seconds: number): Promise<void> {
    return this.controller.permitJoin(seconds);
  }

  async backup(): Promise<void> {
    await this.controller.backup();
  }

  devices(): ZigbeeDeviceInfo[] {
    return this.controller.getDevices().filter((d) => d.type !== 'Coordinator').map(info);
  }

  device(ieee: string): ZigbeeDeviceInfo | undefined {
    const d = this.controller.getDeviceByIeeeAddr(ieee);
    return d ? info(d) : undefined;
  }

  async describe(ieee: string): Promise<ZigbeeModelInfo | undefined> {
    const d = this.requireDevice(ieee);
    const def = await this.definition(d);
    if (!def) return undefined;
    const exposes = typeof def.exposes === 'function' ? def.exposes(d, {}) : def.exposes;
    return { vendor: def.vendor, model: def.model, description: def.description, exposes, generated: def.generated === true };
  }

  async configure(ieee: string): Promise<'configured' | 'already' | 'none'> {
    const d = this.requireDevice(ieee);
    const def = await this.definition(d);
    if (!def?.configure) return 'none';
    const key = `${def.model}@${def.version ?? '0'}`;
    if (d.meta['roostConfigured'] === key) return 'already';
    const coordinator = this.controller.getDevicesByType('Coordinator')[0]?.getEndpoint(1);
    if (!coordinator) throw new DeviceNotFoundError('coordinator endpoint 1 is not known');
    await def.configure(d, coordinator, def);
    d.meta['roostConfigured'] = key;
    d.save();
    return 'configured';
  }

  async set(ieee: string, property: string, value: unknown): Promise<Record<string, unknown>> {
    const { device, def, conv, endpoint, key, endpointName } = await this.converterFor(ieee, property, 'convertSet');
    const meta = this.tzMeta(device, def, { [key]: value }, endpointName);
    const result = (await conv.convertSet?.(endpoint, key, value, meta)) as { state?: KeyValue } | undefined;
    const state = result?.state ? suffixed(result.state, endpointName) : {};
    if (Object.keys(state).length > 0) this.publish(ieee, state);
    return state;
  }

  async get(ieee: string, property: string): Promise<void> {
    const { device, def, conv, endpoint, key, endpointName } = await this.converterFor(ieee, property, 'convertGet');
    await conv.convertGet?.(endpoint, key, this.tzMeta(device, def, { [key]: '' }, endpointName));
  }

  async ping(ieee: string): Promise<void> {
    await this.requireDevice(ieee).ping(true);
  }

  async remove(ieee: string): Promise<void> {
    await this.requireDevice(ieee).removeFromNetwork();
  }

  private requireDevice(ieee: string): Device {
    const d = this.controller.getDeviceByIeeeAddr(ieee);
    if (!d) throw new DeviceNotFoundError(`no Zigbee device ${ieee}`, { ieee });
    return d;
  }

  private async definition(d: Device): Promise<Definition | undefined> {
    if (!this.definitions.has(d.ieeeAddr)) {
      this.models ??= converterDefinitions<Definition>();
      const def = await this.models.find(d);
      this.definitions.set(d.ieeeAddr, def ?? null);
    }
    return this.definitions.get(d.ieeeAddr) ?? undefined;
  }

  private async converterFor(ieee: string, property: string, fn: 'convertSet' | 'convertGet') {
    const device = this.requireDevice(ieee);
    const def = await this.definition(device);
    if (!def) throw new AffordanceNotFoundError(`no model definition for ${ieee}`, { ieee });
    const endpoints = def.endpoint?.(device) ?? {};
    // Exposes of multi-endpoint models carry the endpoint name as a suffix: state_l1.
    let key = property;
    let endpointName: string | undefined;
    const m = /^(.*)_([^_]+)$/.exec(property);
    if (m?.[1] && m[2] && endpoints[m[2]] !== undefined) {
      key = m[1];
      endpointName = m[2];
    }
    const conv = def.toZigbee.find((c) => (!c.key || c.key.includes(key)) && c[fn] && (!endpointName || !c.endpoints || c.endpoints.includes(endpointName)));
    if (!conv) throw new AffordanceNotFoundError(`${def.model} cannot ${fn === 'convertSet' ? 'set' : 'get'} ${property}`, { ieee, property });
    const epId = endpointName ? endpoints[endpointName] : undefined;
    const endpoint = (epId !== undefined ? device.getEndpoint(epId) : undefined) ?? device.endpoints[0];
    if (!endpoint) throw new DeviceNotFoundError(`${ieee} has no endpoint`, { ieee });
    return { device, def, conv, endpoint, key, endpointName };
  }

  private tzMeta(device: Device, def: Definition, message: KeyValue, endpointName: string | undefined): KeyValue {
    return {
      message, device, mapped: def, options: {}, state: this.states.get(device.ieeeAddr) ?? {}, endpoint_name: endpointName,
      publish: (p: KeyValue) => this.publish(device.ieeeAddr, p), deviceExposesChanged: () => undefined,
    };
  }

  private publish(ieee: string, values: KeyValue): void {
    this.states.set(ieee, { ...this.states.get(ieee), ...values });
    this.emit('state', ieee, values);
  }

  /** Runs the model's fromZigbee converters over one message, as Zigbee2MQTT does. */
  private async onMessage(m: Events.MessagePayload): Promise<void> {
    const def = m.device.interviewState === 'SUCCESSFUL' ? await this.definition(m.device) : undefined;
    if (!def) return;
    const ieee = m.device.ieeeAddr;
    const meta = { state: this.states.get(ieee) ?? {}, device: m.device, deviceExposesChanged: () => undefined };
    const out: KeyValue = {};
    for (const c of def.fromZigbee) {
      const types = typeof c.type === 'string' ? [c.type] : c.type;
      if (c.cluster !== m.cluster || !types.includes(m.type)) continue;
      const r = await c.convert(def, m, (p: KeyValue) => this.publish(ieee, p), {}, meta);
      if (r && typeof r === 'object') Object.assign(out, r);
    }
    zhc.postProcessConvertedFromZigbeeMessage(def as never, out, {}, m.device as never);
    out['linkquality'] = m.linkquality;
    this.publish(ieee, out);
  }
}

function info(d: Device): ZigbeeDeviceInfo {
  return {
    ieee: d.ieeeAddr,
    type: d.type,
    modelId: d.modelID,
    manufacturer: d.manufacturerName,
    mainsPowered: typeof d.powerSource === 'string' && d.powerSource.startsWith('Mains'),
    interviewed: d.interviewState === 'SUCCESSFUL',
    lastSeen: d.lastSeen,
  };
}

function suffixed(state: KeyValue, endpointName: string | undefined): KeyValue {
  if (!endpointName) return state;
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [`${k}_${endpointName}`, v]));
}
