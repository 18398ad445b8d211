/**
 * A simulated LwM2M 1.1 client over CoAP/UDP: Device (3), Server (1), Firmware Update (5),
 * Temperature (3303) and Light Control (3311). It registers (`POST /rd?...`), updates
 * (`POST /rd/{location}`), de-registers, sends (`POST /dp`, SenML CBOR), and serves the
 * server's operations on the same socket (operations.ts). In Queue Mode it stays reachable for
 * an awake window after every message it sends, then sleeps and ignores requests (TS Core
 * §6.5 / Transport §5.3: at least MAX_TRANSMIT_WAIT, 93 s with CoAP's defaults).
 */
import { generate } from 'coap-packet';
import {
  BUILTIN_OBJECTS,
  CONTENT_FORMAT,
  encodeLwm2mContent,
  formatPath,
  modelsOf,
  parsePath,
  type ObjectModels,
  type ResourceValue,
} from '../../protocols/lwm2m/index.js';
import { serializeLinkFormat } from '../../protocols/link-format/link-format.js';
import { Block1Assembler, pullBlockwise } from './blockwise.js';
import { CoapPeer, optionValues, uintBytes, type Address } from './coap-peer.js';
import { FirmwareUpdate } from './firmware-update.js';
import { ObjectStore } from './object-store.js';
import { Observations, type Observer } from './observations.js';
import { handleRequest, type DeviceContext, type ObserveTarget } from './operations.js';

/** RFC 7252 §4.8.2 MAX_TRANSMIT_WAIT with default parameters: the Queue Mode awake window. */
export const MAX_TRANSMIT_WAIT_MS = 93_000;

export interface Lwm2mClientOptions {
  server: Address;
  endpoint: string;
  lifetimeS?: number;
  queueMode?: boolean;
  /** Awake window after each sent message in Queue Mode (default MAX_TRANSMIT_WAIT). */
  awakeMs?: number;
  firmwareVersion?: string;
  models?: ObjectModels;
  ackTimeoutMs?: number;
  maxRetransmit?: number;
  /** Duration of the Updating state (default 50 ms). */
  updateMs?: number;
  /** Largest firmware package accepted, push or pull (default 1 MiB). */
  maxPackageBytes?: number;
  /** Block size of package pulls (default 512). */
  pullBlockSize?: number;
}

export class Lwm2mClient {
  readonly peer: CoapPeer;
  readonly store: ObjectStore;
  readonly observations = new Observations<ObserveTarget>();
  readonly firmware: FirmwareUpdate;
  readonly executed: { path: string; args: string }[] = [];
  /** Location-Path the server assigned at registration (`rd/<id>`). */
  location: string[] | null = null;
  reboots = 0;
  updates = 0;
  private seq = 1;
  private awakeTimer: NodeJS.Timeout | undefined;
  private readonly ctx: DeviceContext;

  constructor(private readonly opts: Lwm2mClientOptions) {
    this.peer = new CoapPeer({ ackTimeoutMs: opts.ackTimeoutMs ?? 2000, maxRetransmit: opts.maxRetransmit ?? 4 });
    this.store = new ObjectStore(opts.models ?? modelsOf(BUILTIN_OBJECTS));
    this.firmware = new FirmwareUpdate(this.store, {
      pull: (uri) => this.pull(uri),
      installed: () => void this.update().catch(() => undefined),
      updateMs: opts.updateMs ?? 50,
    });
    this.populate();
    this.ctx = {
      store: this.store,
      observations: this.observations,
      block1: new Block1Assembler(opts.maxPackageBytes ?? 1 << 20),
      firmware: this.firmware,
      nextSeq: () => this.seq++,
      executed: this.executed,
    };
    this.peer.serve((req, from) => handleRequest(this.ctx, req, from));
    this.peer.onSend = () => this.stayAwake();
    this.peer.onReset = (mid, from) => this.observations.remove((o) => o.target.lastMid === mid && o.target.to.port === from.port);
    this.store.onChange = (path) => this.changed(path);
    this.observations.onAdded = (o) => this.armPmax(o);
  }

  private populate(): void {
    const s = this.store;
    const q = this.opts.queueMode === true;
    s.addInstance(1, 0, { 0: 1, 1: this.opts.lifetimeS ?? 60, 6: true, 7: 'U' });
    s.onExecute('/1/0/8', () => void this.update().catch(() => undefined));
    s.addInstance(3, 0, {
      0: 'Roost',
      1: 'firmware-sim lwm2m',
      2: `SN-${this.opts.endpoint}`,
      3: this.opts.firmwareVersion ?? '1.0.0',
      6: [1, 5],
      9: 95,
      11: [0],
      13: Math.floor(Date.now() / 1000),
      16: q ? 'UQ' : 'U',
    });
    s.onExecute('/3/0/4', () => {
      this.reboots++;
    });
    s.addInstance(3303, 0, { 5700: 21.5, 5601: 21.5, 5602: 21.5, 5701: 'Cel' });
    s.onExecute('/3303/0/5605', () => {
      const v = s.get('/3303/0/5700') as number;
      s.set('/3303/0/5601', v);
      s.set('/3303/0/5602', v);
    });
    s.addInstance(3311, 0, { 5850: false, 5851: 100, 5706: '' });
  }

  get address(): Promise<Address> {
    return this.peer.open();
  }

  /** The registration body: objects and instances (TS Core §6.2.1), Security (0) left out. */
  links(): string {
    return serializeLinkFormat([
      { href: '/', attrs: { rt: 'oma.lwm2m', ct: String(CONTENT_FORMAT.SENML_CBOR) } },
      ...this.store.instances().flatMap(({ objectId, instances }) => [
        // §6.2.1: `ver` is given for objects whose version is not 1.0.
        { href: `/${objectId}`, attrs: this.store.model(objectId).version === '1.0' ? ({} as Record<string, string>) : { ver: this.store.model(objectId).version } },
        ...instances.map((i) => ({ href: `/${objectId}/${i}`, attrs: {} })),
      ]),
    ]);
  }

  /** Register (TS Core §6.2.1): `POST /rd?ep=..&lt=..&lwm2m=1.1&b=U[&Q]`. */
  async register(): Promise<void> {
    await this.peer.open();
    const query = [`ep=${this.opts.endpoint}`, `lt=${this.opts.lifetimeS ?? 60}`, 'lwm2m=1.1', 'b=U'];
    if (this.opts.queueMode) query.push('Q');
    const res = await this.peer.request(this.opts.server, {
      method: 'POST',
      path: ['rd'],
      query,
      options: [{ name: 'Content-Format', value: uintBytes(40) }],
      payload: Buffer.from(this.links()),
    });
    if (res.code !== '2.01') throw new Error(`Register answered ${res.code}`);
    this.location = optionValues(res, 'Location-Path').map((b) => b.toString());
  }

  /** Update (TS Core §6.2.2): `POST /rd/{location}`, optionally with a new lifetime. */
  async update(lifetimeS?: number): Promise<string> {
    if (!this.location) throw new Error('not registered');
    const res = await this.peer.request(this.opts.server, { method: 'POST', path: this.location, query: lifetimeS === undefined ? [] : [`lt=${lifetimeS}`] });
    this.updates++;
    return res.code;
  }

  /** De-register (TS Core §6.2.3): `DELETE /rd/{location}`. */
  async deregister(): Promise<string> {
    if (!this.location) throw new Error('not registered');
    const res = await this.peer.request(this.opts.server, { method: 'DELETE', path: this.location });
    this.location = null;
    return res.code;
  }

  /** Send (TS Core §6.4.4): `POST /dp` with the values of `paths` in SenML CBOR, time-stamped. */
  async send(paths: readonly string[]): Promise<string> {
    const t = Math.floor(Date.now() / 1000);
    const values: ResourceValue[] = paths.flatMap((p) => this.store.read(parsePath(p))).map((v) => ({ ...v, time: t }));
    const res = await this.peer.request(this.opts.server, {
      method: 'POST',
      path: ['dp'],
      options: [{ name: 'Content-Format', value: uintBytes(CONTENT_FORMAT.SENML_CBOR) }],
      payload: encodeLwm2mContent(CONTENT_FORMAT.SENML_CBOR, values, [], this.store.models),
    });
    return res.code;
  }

  /** A new temperature reading: value, min and max (observers are notified). */
  setTemperature(v: number): void {
    this.store.set('/3303/0/5700', v);
    if (v < (this.store.get('/3303/0/5601') as number)) this.store.set('/3303/0/5601', v);
    if (v > (this.store.get('/3303/0/5602') as number)) this.store.set('/3303/0/5602', v);
  }

  get asleep(): boolean {
    return this.peer.asleep;
  }

  private stayAwake(): void {
    if (!this.opts.queueMode) return;
    this.peer.asleep = false;
    clearTimeout(this.awakeTimer);
    this.awakeTimer = setTimeout(() => {
      this.peer.asleep = true;
    }, this.opts.awakeMs ?? MAX_TRANSMIT_WAIT_MS);
  }

  private async pull(uri: string): Promise<Buffer> {
    const u = new URL(uri);
    const to = { host: u.hostname, port: Number(u.port || 5683) };
    const path = u.pathname.split('/').filter((p) => p !== '');
    return pullBlockwise(this.peer, to, path, this.opts.pullBlockSize ?? 512, this.opts.maxPackageBytes ?? 1 << 20);
  }

  private changed(resourcePath: string): void {
    const value = this.store.get(resourcePath);
    for (const o of this.observations.affectedBy(resourcePath)) {
      const n = typeof value === 'number' && formatPath(o.path) === resourcePath ? value : undefined;
      if (!this.observations.passesThresholds(o, n)) continue;
      this.schedule(o);
    }
  }

  /** §5.1.2 pmin: no two notifications closer than pmin; a change inside it is sent at its end. */
  private schedule(o: Observer<ObserveTarget>): void {
    if (o.pending) return;
    const pminMs = (this.observations.effective(o.path).pmin ?? 0) * 1000;
    const wait = o.lastSentMs + pminMs - Date.now();
    if (wait <= 0) this.notify(o);
    else o.pending = setTimeout(() => this.notify(o), wait);
  }

  /** §5.1.2 pmax: a notification at the latest pmax after the previous one. */
  private armPmax(o: Observer<ObserveTarget>): void {
    clearTimeout(o.pmaxTimer);
    const pmax = this.observations.effective(o.path).pmax;
    if (pmax !== undefined && pmax > 0) o.pmaxTimer = setTimeout(() => this.notify(o), pmax * 1000);
  }

  private notify(o: Observer<ObserveTarget>): void {
    o.pending = undefined;
    if (!this.observations.observers.includes(o)) return;
    let payload: Buffer;
    try {
      payload = encodeLwm2mContent(o.target.cf, this.store.read(o.path), o.path, this.store.models);
    } catch {
      return;
    }
    const values = this.store.read(o.path);
    o.lastNumber = values.length === 1 && typeof values[0]!.value === 'number' ? values[0]!.value : undefined;
    o.lastSentMs = Date.now();
    o.target.lastMid = this.peer.nextMid();
    const options = [
      { name: 'Observe' as const, value: uintBytes(this.seq++ & 0xffffff) },
      { name: 'Content-Format' as const, value: uintBytes(o.target.cf) },
    ];
    // RFC 7641 §4.5: notifications may be non-confirmable (LwM2M /1/0/26 default 0 = NON).
    this.peer.send(generate({ code: '2.05', messageId: o.target.lastMid, token: o.target.token, confirmable: false, options, payload }), o.target.to);
    this.armPmax(o);
  }

  close(): void {
    clearTimeout(this.awakeTimer);
    this.observations.clear();
    this.firmware.stop();
    this.peer.close();
  }
}
