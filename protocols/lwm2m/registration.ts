/**
 * The LwM2M registration interface, pure (TS Core §6.2.1, §6.2.2): the query parameters of
 * Register (`POST /rd?...`) and Update (`POST /rd/{location}?...`), version negotiation, Queue
 * Mode, and the objects, instances, versions and content formats of the link-format body.
 */
import { BadRequestError, PreconditionFailedError } from '../errors.js';
import { parseLinkFormat, type WebLink } from '../link-format/link-format.js';
import { MAX_ID } from './lwm2m-model.js';

/** Enabler versions Roost serves (`lwm2m=`); anything else is answered 4.12 (§6.2.1). */
export const SUPPORTED_VERSIONS = ['1.0', '1.1', '1.2'] as const;
export type Lwm2mVersion = (typeof SUPPORTED_VERSIONS)[number];

/** §6.2.1: Lifetime defaults to 86400 s when the client sends none. */
export const DEFAULT_LIFETIME_S = 86_400;
/** Endpoint names longer than this are refused (a URN such as urn:imei:... is ~25). */
export const MAX_ENDPOINT_LENGTH = 255;

export interface AnnouncedObject {
  objectId: number;
  /** `ver` of the object link (§6.2.1: 1.0 when absent). */
  version: string;
  instances: number[];
}

export interface RegistrationParams {
  endpoint?: string;
  lifetimeS?: number;
  version?: Lwm2mVersion;
  /** Binding as sent (`U`, `UQ`, `S`, `N`, `T`, `US`, ...). */
  binding?: string;
  /** 1.1+: the bare `Q` parameter; 1.0: a `Q` inside `b`. */
  queueMode?: boolean;
  sms?: string;
  apn?: string;
}

export interface Registration {
  endpoint: string;
  lifetimeS: number;
  version: Lwm2mVersion;
  binding: string;
  /** Transports of the binding: U(DP), S(MS), N(on-IP), T(CP). */
  transports: string[];
  queueMode: boolean;
  apn?: string;
  /** Alternate path of the LwM2M objects (`</lwm2m>;rt="oma.lwm2m"`), '' for the root. */
  rootPath: string;
  /** Content formats the client announced on its root link (`ct=`). */
  contentFormats: number[];
  objects: AnnouncedObject[];
}

// §6.2.1 Table 6.2.1-1 (1.1/1.2) and 1.0's binding values: letters U, S, N, T, with Q meaning queue.
const BINDING = /^[USNTQ]{1,5}$/;

function splitQuery(query: string | readonly string[]): [string, string | true][] {
  const parts = typeof query === 'string' ? query.replace(/^\?/, '').split('&').filter((p) => p !== '') : query;
  return parts.map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [p, true] : [p.slice(0, eq), p.slice(eq + 1)];
  });
}

function text(key: string, v: string | true): string {
  if (v === true) throw new BadRequestError(`registration parameter ${key} needs a value`, { parameter: key });
  return v;
}

/**
 * Reads the query of Register or Update: CoAP Uri-Query options (one `k=v` each) or an
 * `a=b&c` string. Unknown parameters are ignored; a repeated one is a 4.00; an unsupported
 * `lwm2m` version is a PreconditionFailedError (4.12).
 */
export function parseRegistrationQuery(query: string | readonly string[]): RegistrationParams {
  const out: RegistrationParams = {};
  const seen = new Set<string>();
  for (const [key, value] of splitQuery(query)) {
    if (seen.has(key)) throw new BadRequestError(`registration parameter ${key} given twice`, { parameter: key });
    seen.add(key);
    switch (key) {
      case 'ep': {
        const ep = text(key, value);
        // §6.2.1: any string (a URN such as urn:imei:..., urn:uuid:..., or a name); no controls.
        if (ep.length === 0 || ep.length > MAX_ENDPOINT_LENGTH || /[\u0000-\u001f\u007f]/.test(ep)) {
          throw new BadRequestError(`endpoint name must be 1..${MAX_ENDPOINT_LENGTH} printable characters`, { parameter: key });
        }
        out.endpoint = ep;
        break;
      }
      case 'lt': {
        const lt = text(key, value);
        if (!/^\d{1,10}$/.test(lt)) throw new BadRequestError(`lifetime "${lt}" is not a number of seconds`, { parameter: key });
        out.lifetimeS = Number(lt);
        break;
      }
      case 'lwm2m': {
        const v = text(key, value);
        if (!(SUPPORTED_VERSIONS as readonly string[]).includes(v)) {
          throw new PreconditionFailedError(`LwM2M version ${v} is not supported (${SUPPORTED_VERSIONS.join(', ')})`, { version: v, supported: [...SUPPORTED_VERSIONS] });
        }
        out.version = v as Lwm2mVersion;
        break;
      }
      case 'b': {
        const b = text(key, value);
        if (!BINDING.test(b)) throw new BadRequestError(`binding "${b}" is not made of U, S, N, T, Q`, { parameter: key });
        out.binding = b;
        break;
      }
      case 'Q':
        // §6.2.1 (1.1): Queue Mode is a parameter without a value.
        if (value !== true) throw new BadRequestError('Q takes no value', { parameter: key });
        out.queueMode = true;
        break;
      case 'sms':
        out.sms = text(key, value);
        break;
      case 'apn':
        out.apn = text(key, value);
        break;
      default:
        // §6.2.1: parameters the server does not know are ignored.
        break;
    }
  }
  return out;
}

function contentFormats(ct: string | true | undefined): number[] {
  if (ct === undefined || ct === true) return [];
  // RFC 7252 §7.2.1 allows `ct=60`; LwM2M clients also send a quoted list `ct="60 110 112"`.
  return ct
    .split(/\s+/)
    .filter((s) => s !== '')
    .map((s) => {
      if (!/^\d{1,5}$/.test(s) || Number(s) > 0xffff) throw new BadRequestError(`ct value "${s}" is not a content format`);
      return Number(s);
    });
}

/** The objects, instances and root path of a registration body (§6.2.1 "Objects and Object Instances"). */
export function parseRegistrationLinks(body: string, maxLinks = 512): Pick<Registration, 'rootPath' | 'contentFormats' | 'objects'> {
  const links: WebLink[] = parseLinkFormat(body, { maxLinks });
  const root = links.find((l) => l.attrs['rt'] === 'oma.lwm2m');
  const rootPath = root ? root.href.replace(/\/+$/, '') : '';
  const objects = new Map<number, AnnouncedObject>();
  for (const l of links) {
    if (l === root) continue;
    if (!l.href.startsWith(`${rootPath}/`)) throw new BadRequestError(`link <${l.href}> lies outside the LwM2M root "${rootPath || '/'}"`);
    const parts = l.href.slice(rootPath.length + 1).split('/');
    if (parts.length > 2 || parts.some((p) => !/^\d{1,5}$/.test(p) || Number(p) > MAX_ID)) {
      throw new BadRequestError(`link <${l.href}> is not an object or object instance`);
    }
    const [oid, iid] = parts.map(Number) as [number, number | undefined];
    const obj = objects.get(oid) ?? { objectId: oid, version: '1.0', instances: [] };
    objects.set(oid, obj);
    const ver = l.attrs['ver'];
    if (typeof ver === 'string') {
      if (!/^\d+\.\d+$/.test(ver)) throw new BadRequestError(`ver "${ver}" of <${l.href}> is not major.minor`);
      obj.version = ver;
    }
    if (iid !== undefined && !obj.instances.includes(iid)) obj.instances.push(iid);
  }
  return { rootPath, contentFormats: contentFormats(root?.attrs['ct']), objects: [...objects.values()] };
}

/**
 * A whole Register request: query plus link-format body. Throws BadRequestError (4.00) or
 * PreconditionFailedError (4.12, unsupported version).
 */
export function parseRegister(query: string | readonly string[], body: string): Registration {
  const q = parseRegistrationQuery(query);
  if (!q.endpoint) throw new BadRequestError('registration without an endpoint name (ep)', { parameter: 'ep' });
  // §6.2.1: the version parameter is mandatory from 1.1 on; a 1.0 client may omit it.
  const version = q.version ?? '1.0';
  const binding = q.binding ?? 'U';
  // 1.0 spells Queue Mode inside the binding (UQ, SQ, UQS); 1.1+ with the Q parameter.
  const queueMode = q.queueMode === true || binding.includes('Q');
  const reg: Registration = {
    endpoint: q.endpoint,
    lifetimeS: q.lifetimeS ?? DEFAULT_LIFETIME_S,
    version,
    binding,
    transports: [...new Set(binding.replace(/Q/g, '').split(''))],
    queueMode,
    ...parseRegistrationLinks(body),
  };
  if (q.apn !== undefined) reg.apn = q.apn;
  return reg;
}
