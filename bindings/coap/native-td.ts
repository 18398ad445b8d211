/**
 * The native TD of a CoAP device, built from the links it registers (docs/protocols/coap.md
 * "Describing affordances"): `rt="roost.p"` read-only property, `roost.pw` writable property,
 * `roost.a` action, `roost.e` event; `dt` data type, `u` unit, `obs` observable.
 */
import type { WebLink } from '../../protocols/link-format/link-format.js';
import type { ThingDescription } from '../../gateway/binding.js';

export type AffordanceKind = 'property' | 'writable' | 'action' | 'event';

const RT_KIND: Readonly<Record<string, AffordanceKind>> = {
  'roost.p': 'property',
  'roost.pw': 'writable',
  'roost.a': 'action',
  'roost.e': 'event',
};

const DATA_TYPES = new Set(['number', 'integer', 'boolean', 'string', 'object', 'array']);

/** One affordance found in the links, with the device path it lives at. */
export interface Affordance {
  name: string;
  kind: AffordanceKind;
  path: string;
  /** `dt` when given; properties default to number. */
  type?: string;
  unit?: string;
  observable: boolean;
}

/** Affordances named by the links; other links (unknown rt) are kept out. */
export function affordancesOf(links: readonly WebLink[]): Affordance[] {
  const out: Affordance[] = [];
  for (const l of links) {
    const rt = typeof l.attrs['rt'] === 'string' ? l.attrs['rt'].split(' ') : [];
    const kind = rt.map((r) => RT_KIND[r]).find((k) => k !== undefined);
    if (!kind) continue;
    const path = l.href.replace(/^\/+/, '');
    const name = typeof l.attrs['n'] === 'string' ? l.attrs['n'] : path.split('/').pop() ?? path;
    const dt = l.attrs['dt'];
    const a: Affordance = { name, kind, path, observable: l.attrs['obs'] === true };
    if (typeof dt === 'string' && DATA_TYPES.has(dt)) a.type = dt;
    if (typeof l.attrs['u'] === 'string') a.unit = l.attrs['u'];
    out.push(a);
  }
  return out;
}

// Shared by every CoAP device's TD (nothing writes to a TD once it is built): per-device memory, issue 20.
const CONTEXT = ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1', { cov: 'http://www.example.org/coap-binding#' }];
const SECURITY_DEFINITIONS = { nosec_sc: { scheme: 'nosec' } };

/**
 * A data schema: `dt` (properties and events default to number), `u`. Objects here are built by
 * assignment in one order, never by spreads: a spread at a call site that sees many shapes gives
 * each object a hidden class of its own (~300 bytes per object, measured in the gateway's heap).
 */
function schemaOf(a: Affordance, into: Record<string, unknown>): Record<string, unknown> {
  const type = a.type ?? (a.kind === 'action' ? undefined : 'number');
  if (type !== undefined) into['type'] = type;
  if (a.unit) into['unit'] = a.unit;
  return into;
}

type AffordanceMaps = Readonly<{ properties: object; actions: object; events: object }>;

/**
 * Devices of one model register the same links: their properties, actions and events are one set
 * of frozen objects, whose forms' hrefs are relative to each TD's `base` (W3C TD 1.1 §5.3.1). Per
 * device they were ~1.4 kB of the gateway's heap, the largest part left (docs/fleet.md "Gateway
 * memory per device"). At most SHARED_MAX link sets are kept (the oldest goes first): a device
 * whose set fell out gets objects of its own, equal to them.
 */
const SHARED_MAX = 256;
const shared = new Map<string, AffordanceMaps>();

function affordanceMaps(affordances: readonly Affordance[]): AffordanceMaps {
  const key = JSON.stringify(affordances);
  let maps = shared.get(key);
  if (!maps) {
    maps = deepFreeze(buildMaps(affordances));
    if (shared.size >= SHARED_MAX) shared.delete(shared.keys().next().value as string);
    shared.set(key, maps);
  }
  return maps;
}

/** A path as a relative reference: one whose first segment has a `:` would read as a scheme (RFC 3986 §4.2). */
function relativeHref(path: string): string {
  const first = path.split('/')[0] ?? '';
  return first.includes(':') ? `./${path}` : path;
}

function buildMaps(affordances: readonly Affordance[]): AffordanceMaps {
  const properties: Record<string, unknown> = {};
  const actions: Record<string, unknown> = {};
  const events: Record<string, unknown> = {};
  for (const a of affordances) {
    const href = relativeHref(a.path);
    if (a.kind === 'property' || a.kind === 'writable') {
      const p = schemaOf(a, {});
      p['readOnly'] = a.kind === 'property';
      p['observable'] = a.observable;
      p['forms'] = [{ href, contentType: 'application/cbor' }];
      properties[a.name] = p;
    } else if (a.kind === 'action') {
      const act: Record<string, unknown> = {};
      if (a.type) act['input'] = schemaOf(a, {});
      act['forms'] = [{ href, contentType: 'application/cbor', 'cov:method': 'POST' }];
      actions[a.name] = act;
    } else {
      events[a.name] = { data: schemaOf(a, {}), forms: [{ href, contentType: 'application/cbor', subprotocol: 'cov:observe' }] };
    }
  }
  return { properties, actions, events };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** The native TD (W3C TD 1.1) of endpoint `ep` reachable at `host:port`. */
export function nativeTd(ep: string, host: string, port: number, affordances: readonly Affordance[]): ThingDescription {
  const { properties, actions, events } = affordanceMaps(affordances);
  const base = `coap://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  return { '@context': CONTEXT, title: ep, base, securityDefinitions: SECURITY_DEFINITIONS, security: 'nosec_sc', properties, actions, events };
}
