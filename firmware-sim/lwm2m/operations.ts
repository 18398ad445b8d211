/**
 * The device-management and information-reporting operations a LwM2M server sends to the
 * simulated device, one handler each behind one switch (TS Core §6.3, §6.4; CoAP mapping in
 * TS Transport §6.4 Table: GET Read/Discover/Observe, FETCH Read-Composite, PUT Write/
 * Write-Attributes, POST Execute/partial Write).
 */
import type { ParsedPacket } from 'coap-packet';
import { UnsupportedMediaTypeError, toRoostError, type RoostError } from '../../protocols/errors.js';
import { serializeLinkFormat, type WebLink } from '../../protocols/link-format/link-format.js';
import {
  CONTENT_FORMAT,
  FORMATS,
  decodeLwm2mContent,
  decodeLwm2mSenmlPaths,
  encodeLwm2mContent,
  findResource,
  formatPath,
  parsePath,
  type Lwm2mPath,
  type ResourceValue,
} from '../../protocols/lwm2m/index.js';
import { readBlock, sliceBlock2, blockOption, type Block1Assembler } from './blockwise.js';
import { optionUint, optionValues, uintBytes, type Address, type Reply } from './coap-peer.js';
import type { FirmwareUpdate } from './firmware-update.js';
import type { ObjectStore } from './object-store.js';
import type { Attributes, Observations } from './observations.js';

/** Where a notification goes: the observer's address, token and content format. */
export interface ObserveTarget {
  to: Address;
  token: Buffer;
  cf: number;
  /** Message id of the last notification (an RST for it cancels, RFC 7641 §3.6). */
  lastMid: number;
}

export interface DeviceContext {
  store: ObjectStore;
  observations: Observations<ObserveTarget>;
  block1: Block1Assembler;
  firmware: FirmwareUpdate;
  /** Next Observe sequence number (RFC 7641 §4.4). */
  nextSeq(): number;
  /** Executes seen, for tests: path and arguments in order. */
  executed: { path: string; args: string }[];
}

const LINK_FORMAT = 40;

function content(cf: number, payload: Buffer, extra: Reply['options'] = []): Reply {
  return { code: '2.05', options: [...extra, { name: 'Content-Format', value: uintBytes(cf) }], payload };
}

/** §6.3.1: the Accept option, else text for one single resource, else SenML CBOR. */
export function responseFormat(ctx: DeviceContext, req: ParsedPacket, path: Lwm2mPath): number {
  const accept = optionUint(req, 'Accept');
  if (accept !== undefined) return accept;
  const r = path.length >= 3 ? findResource(ctx.store.models.get(path[0]!), path[2]!) : undefined;
  return r && (!r.multiple || path.length === 4) ? CONTENT_FORMAT.TEXT : CONTENT_FORMAT.SENML_CBOR;
}

function encodeRead(ctx: DeviceContext, cf: number, path: Lwm2mPath, values: ResourceValue[]): Buffer | null {
  const codec = FORMATS.get(cf);
  if (!codec || (codec.single && (values.length !== 1 || path.length < 3))) return null;
  return encodeLwm2mContent(cf, values, path, ctx.store.models);
}

function read(ctx: DeviceContext, req: ParsedPacket, path: Lwm2mPath): Reply {
  const cf = responseFormat(ctx, req, path);
  const body = encodeRead(ctx, cf, path, ctx.store.read(path));
  // RFC 7252 §5.10.4: a format the device cannot produce for this path is 4.06 Not Acceptable.
  if (!body) return { code: '4.06' };
  const slice = sliceBlock2(body, readBlock(req, 'Block2'));
  if (!slice) return { code: '4.02' };
  return content(cf, slice.payload, slice.block ? [{ name: 'Block2', value: blockOption(slice.block) }] : []);
}

function attributeLinks(attrs: Attributes): Record<string, string> {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, String(v)]));
}

/** §6.3.4 Discover: the object, instances and resources under `path`, with attributes and dim. */
function discover(ctx: DeviceContext, path: Lwm2mPath): Reply {
  if (path.length === 0 || path.length > 3 || !ctx.store.has(path)) return { code: '4.04' };
  const links: WebLink[] = [{ href: formatPath(path), attrs: attributeLinks(ctx.observations.attributesAt(path)) }];
  const [oid, iid] = path as [number, number | undefined];
  const instances = iid === undefined ? (ctx.store.instances().find((o) => o.objectId === oid)?.instances ?? []) : [iid];
  for (const i of instances) {
    if (path.length === 1) links.push({ href: `/${oid}/${i}`, attrs: attributeLinks(ctx.observations.attributesAt([oid, i])) });
    for (const { rid, dim } of ctx.store.resourcesAt(oid, i)) {
      if (path.length === 3 && rid !== path[2]) continue;
      if (path.length === 3 && links[0]!.href === `/${oid}/${i}/${rid}`) {
        if (dim !== undefined) links[0]!.attrs['dim'] = String(dim);
        continue;
      }
      const attrs: Record<string, string> = attributeLinks(ctx.observations.attributesAt([oid, i, rid]));
      if (dim !== undefined) attrs['dim'] = String(dim);
      links.push({ href: `/${oid}/${i}/${rid}`, attrs });
    }
  }
  return content(LINK_FORMAT, Buffer.from(serializeLinkFormat(links)));
}

function observe(ctx: DeviceContext, req: ParsedPacket, path: Lwm2mPath, from: Address, register: boolean): Reply {
  const reply = read(ctx, req, path);
  // RFC 7641 §3.6: a GET with Observe=1 (or any new GET with the token) ends the observation.
  ctx.observations.remove((o) => o.target.token.equals(req.token) && o.target.to.port === from.port && o.target.to.host === from.host);
  if (!register || reply.code !== '2.05') return reply;
  const seq = ctx.nextSeq();
  const cf = optionUint({ options: reply.options as ParsedPacket['options'] }, 'Content-Format')!;
  const values = ctx.store.read(path);
  ctx.observations.add({
    path,
    target: { to: from, token: Buffer.from(req.token), cf, lastMid: -1 },
    seq,
    lastSentMs: Date.now(),
    lastNumber: values.length === 1 && typeof values[0]!.value === 'number' ? values[0]!.value : undefined,
    pmaxTimer: undefined,
    pending: undefined,
  });
  return { ...reply, options: [{ name: 'Observe', value: uintBytes(seq) }, ...(reply.options ?? [])] };
}

/** §6.3.3 Write (PUT replace, POST partial update), with Block1 for large values (the firmware Package). */
function write(ctx: DeviceContext, req: ParsedPacket, path: Lwm2mPath, from: Address, replace: boolean): Reply {
  const cf = optionUint(req, 'Content-Format');
  if (cf === undefined) throw new UnsupportedMediaTypeError('Write without a Content-Format');
  let body = req.payload;
  const b1 = readBlock(req, 'Block1');
  if (b1) {
    const r = ctx.block1.feed(from, formatPath(path), b1, req.payload);
    if (r.kind === 'incomplete') return { code: '4.08' };
    if (r.kind === 'continue') {
      if (formatPath(path) === '/5/0/0') ctx.firmware.downloadStarted();
      return { code: '2.31', options: [{ name: 'Block1', value: blockOption(r.block) }] };
    }
    body = r.body;
  }
  ctx.store.write(path, decodeLwm2mContent(cf, body, path, ctx.store.models), replace);
  return { code: '2.04', options: b1 ? [{ name: 'Block1', value: blockOption({ ...b1, more: false }) }] : [] };
}

async function execute(ctx: DeviceContext, req: ParsedPacket, path: Lwm2mPath): Promise<Reply> {
  const args = req.payload.toString('utf8');
  await ctx.store.execute(path, args);
  ctx.executed.push({ path: formatPath(path), args });
  return { code: '2.04' };
}

/** §6.3.8 Read-Composite: FETCH with the paths as SenML names, answered in SenML. */
function readComposite(ctx: DeviceContext, req: ParsedPacket): Reply {
  const cf = optionUint(req, 'Content-Format');
  if (cf !== CONTENT_FORMAT.SENML_CBOR && cf !== CONTENT_FORMAT.SENML_JSON) throw new UnsupportedMediaTypeError('Read-Composite needs SenML JSON or CBOR');
  const accept = optionUint(req, 'Accept') ?? cf;
  if (accept !== CONTENT_FORMAT.SENML_CBOR && accept !== CONTENT_FORMAT.SENML_JSON) return { code: '4.06' };
  const values = decodeLwm2mSenmlPaths(cf, req.payload).flatMap((p) => ctx.store.read(parsePath(p)));
  return content(accept, encodeLwm2mContent(accept, values, [], ctx.store.models));
}

async function dispatch(ctx: DeviceContext, req: ParsedPacket, from: Address): Promise<Reply> {
  const segments = optionValues(req, 'Uri-Path').map((b) => b.toString());
  const path = parsePath(segments.join('/'));
  const query = optionValues(req, 'Uri-Query').map((b) => b.toString());
  switch (req.code) {
    case '0.01': {
      if (optionUint(req, 'Accept') === LINK_FORMAT) return discover(ctx, path);
      const obs = optionUint(req, 'Observe');
      if (obs !== undefined) return observe(ctx, req, path, from, obs === 0);
      return read(ctx, req, path);
    }
    case '0.05':
      return readComposite(ctx, req);
    case '0.03':
      // §6.3.2 Write-Attributes: PUT with attributes in the query and no payload.
      if (req.payload.length === 0 && query.length > 0) {
        if (!ctx.store.has(path)) return { code: '4.04' };
        ctx.observations.writeAttributes(path, query);
        return { code: '2.04' };
      }
      return write(ctx, req, path, from, true);
    case '0.02':
      if (path.length === 3 && findResource(ctx.store.models.get(path[0]!), path[2]!)?.operations === 'E') return execute(ctx, req, path);
      if (path.length === 2 || (path.length === 3 && readBlock(req, 'Block1'))) return write(ctx, req, path, from, false);
      return { code: '4.05' };
    default:
      return { code: '4.05' };
  }
}

/** Answers one request; typed errors become their CoAP code (protocols/errors.ts). */
export async function handleRequest(ctx: DeviceContext, req: ParsedPacket, from: Address): Promise<Reply> {
  try {
    return await dispatch(ctx, req, from);
  } catch (err) {
    const e: RoostError = toRoostError(err);
    return { code: e.coapCode, payload: Buffer.from(e.message) };
  }
}
