/**
 * The LwM2M server's requests to a device (TS Transport §6.4, CoAP mapping of TS Core §6.3/§6.4):
 * Read and Discover (GET, Accept), Write (PUT replace, POST partial update; Block1 for large
 * bodies), Write-Attributes (PUT with a query only), Execute (POST), Observe / Cancel (GET
 * Observe 0 / 1), Read-Composite (FETCH). Content formats: what the device announced, else SenML
 * CBOR for 1.1 and 1.2 and TLV for 1.0.
 */
import { DeviceTimeoutError } from '../../../protocols/errors.js';
import { encodeSenmlCbor } from '../../../protocols/senml/index.js';
import { CONTENT_FORMAT, decodeLwm2mContent, encodeLwm2mContent, FORMATS, type Lwm2mPath, type ObjectModels, type ResourceValue } from '../../../protocols/lwm2m/index.js';
import type { CoapEndpoint } from '../coap-endpoint.js';
import { GET, POST, PUT, type CoapMessage, type OutMessage } from '../coap-message.js';
import type { Lwm2mRegistration } from './lwm2m-registrations.js';

export const FETCH = '0.05';
type Request = Omit<OutMessage, 'mid' | 'token' | 'type'>;

/** A device answered with an error code (4.xx/5.xx): final for the item, unlike a timeout. */
export class DeviceAnswerError extends Error {
  constructor(readonly answer: string, detail: string) {
    super(`device answered ${answer}${detail ? ` ${detail}` : ''}`);
    this.name = 'DeviceAnswerError';
  }
}

const PREFERRED = [CONTENT_FORMAT.SENML_CBOR, CONTENT_FORMAT.LWM2M_CBOR, CONTENT_FORMAT.SENML_JSON, CONTENT_FORMAT.TLV] as const;

/** The multi-value format to write in: one the device announced, else the version's mandatory one. */
export function writeFormat(reg: Lwm2mRegistration): number {
  const announced = PREFERRED.find((cf) => reg.contentFormats.includes(cf));
  if (announced !== undefined) return announced;
  // TS Core 1.0 §7.4: TLV is mandatory; 1.1 §7.4: SenML CBOR or TLV, and Roost prefers the former.
  return reg.version === '1.0' ? CONTENT_FORMAT.TLV : CONTENT_FORMAT.SENML_CBOR;
}

const segments = (reg: Lwm2mRegistration, path: Lwm2mPath): string[] =>
  [...reg.rootPath.split('/').filter((p) => p !== ''), ...path.map(String)];

export class Lwm2mRequests {
  constructor(
    private readonly endpoint: () => CoapEndpoint | null,
    private readonly models: ObjectModels,
    private readonly blockSizeBytes: number,
    private readonly now: () => number,
  ) {}

  async send(reg: Lwm2mRegistration, m: Request, onNotify?: (n: CoapMessage) => void, token?: Buffer): Promise<CoapMessage> {
    const ep = this.endpoint();
    if (!ep) throw new DeviceTimeoutError('binding stopped');
    const res = await ep.request(reg.remote, m, onNotify, token);
    if (!res.code.startsWith('2.')) throw new DeviceAnswerError(res.code, res.payload.toString('utf8').slice(0, 100));
    return res;
  }

  decode(res: CoapMessage, path: Lwm2mPath): ResourceValue[] {
    if (res.payload.length === 0) return [];
    return decodeLwm2mContent(res.contentFormat ?? CONTENT_FORMAT.TEXT, res.payload, path, this.models, { nowSec: this.now() / 1000 });
  }

  /** §6.3.1 Read; `format` asks for a content format (Accept). */
  async read(reg: Lwm2mRegistration, path: Lwm2mPath, format?: number): Promise<ResourceValue[]> {
    const res = await this.send(reg, { code: GET, uriPath: segments(reg, path), ...(format !== undefined ? { accept: format } : {}) });
    return this.decode(res, path);
  }

  /** §6.3.4 Discover: the link-format answer as text. */
  async discover(reg: Lwm2mRegistration, path: Lwm2mPath): Promise<string> {
    const res = await this.send(reg, { code: GET, uriPath: segments(reg, path), accept: CONTENT_FORMAT.LINK_FORMAT });
    return res.payload.toString('utf8');
  }

  /** §6.3.3 Write: PUT replaces, POST on an instance updates partially; Block1 when the body is larger than a block. */
  async write(reg: Lwm2mRegistration, path: Lwm2mPath, values: readonly ResourceValue[], opts: { partial?: boolean; format?: number } = {}): Promise<void> {
    let cf = opts.format ?? writeFormat(reg);
    // A single Opaque value goes as opaque (§7.4.2): no base64 or framing around a firmware image.
    if (opts.format === undefined && path.length >= 3 && values.length === 1 && values[0]!.value instanceof Uint8Array && values[0]!.path === `/${path.join('/')}`) cf = CONTENT_FORMAT.OPAQUE;
    if (FORMATS.get(cf)?.single && values.length !== 1) cf = writeFormat(reg);
    const body = encodeLwm2mContent(cf, values, path, this.models);
    await this.upload(reg, { code: opts.partial ? POST : PUT, uriPath: segments(reg, path), contentFormat: cf }, body);
  }

  /** RFC 7959 §2.3: a body larger than one block goes in Block1 blocks, each awaited (2.31 Continue). */
  private async upload(reg: Lwm2mRegistration, m: Request, body: Buffer): Promise<void> {
    const size = Math.min(this.blockSizeBytes, 1024);
    if (body.length <= size) {
      await this.send(reg, { ...m, payload: body });
      return;
    }
    const szx = Math.log2(size) - 4;
    for (let num = 0; num * size < body.length; num++) {
      const more = (num + 1) * size < body.length;
      const res = await this.send(reg, { ...m, payload: body.subarray(num * size, (num + 1) * size), block1: { num, more, szx } });
      if (more && res.code !== '2.31') throw new DeviceAnswerError(res.code, 'before the last block');
    }
  }

  /** §6.3.5 Write-Attributes: PUT with the attributes in the query and no payload; null removes one. */
  async writeAttributes(reg: Lwm2mRegistration, path: Lwm2mPath, attrs: Record<string, number | null>): Promise<void> {
    const query = Object.entries(attrs).map(([k, v]) => (v === null ? k : `${k}=${v}`));
    await this.send(reg, { code: PUT, uriPath: segments(reg, path), uriQuery: query });
  }

  /** §6.3.6 Execute: POST with the arguments as text (§5.4.5 syntax, not checked here). */
  async execute(reg: Lwm2mRegistration, path: Lwm2mPath, args = ''): Promise<void> {
    await this.send(reg, { code: POST, uriPath: segments(reg, path), ...(args ? { contentFormat: CONTENT_FORMAT.TEXT, payload: Buffer.from(args) } : {}) });
  }

  /** §6.3.8 Read-Composite: FETCH with the paths as SenML names. */
  async readComposite(reg: Lwm2mRegistration, paths: readonly string[], format: number = CONTENT_FORMAT.SENML_CBOR): Promise<ResourceValue[]> {
    const names = paths.map((p) => ({ n: p }));
    const body = format === CONTENT_FORMAT.SENML_JSON ? Buffer.from(JSON.stringify(names)) : encodeSenmlCbor(names);
    const res = await this.send(reg, { code: FETCH, uriPath: segments(reg, []), contentFormat: format, accept: format, payload: body });
    return this.decode(res, []);
  }

  /** §6.4.1 Observe: GET with Observe=0; `onNotify` gets every notification. Resolves with the first answer's values. */
  async observe(reg: Lwm2mRegistration, path: Lwm2mPath, token: Buffer, onNotify: (n: CoapMessage) => void): Promise<ResourceValue[]> {
    // The endpoint hands the first answer to the callback too; it is the answer, not a notification.
    let first = true;
    const res = await this.send(reg, { code: GET, uriPath: segments(reg, path), observe: 0 }, (n) => {
      if (first) first = false;
      else onNotify(n);
    }, token);
    return this.decode(res, path);
  }

  /** §6.4.2 Cancel Observation: GET with Observe=1 and the observation's token (RFC 7641 §3.6). */
  async cancelObserve(reg: Lwm2mRegistration, path: Lwm2mPath, token: Buffer): Promise<void> {
    const ep = this.endpoint();
    if (!ep) return;
    ep.forget(reg.remote, token);
    await ep.request(reg.remote, { code: GET, uriPath: segments(reg, path), observe: 1 }, undefined, token).catch(() => undefined);
    ep.forget(reg.remote, token);
  }
}
