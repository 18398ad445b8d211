/**
 * The fleet's client of the hub's HTTP API (docs/api.md): a bearer token from POST /auth/token,
 * consumer TDs from the directory, invocations and writes at the href of the affordance's form,
 * the status resource the hub answers with, and history for the end-to-end check. Uses fetch only: the fleet stays an independent peer.
 */
import { BadRequestError, RoostError, UnauthenticatedError } from '../../protocols/errors.js';
import type { ActionClient, ActionHandle, ThingSummary } from './action-client.js';

export interface HubClientOptions {
  /** Base URL of the hub's HTTP API, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  username: string;
  password: string;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
}

type Form = { href: string; op?: string | string[]; contentType?: string; 'htv:methodName'?: string };
type ConsumerTd = { title?: string; actions?: Record<string, { forms?: Form[] }>; properties?: Record<string, { forms?: Form[] }> };

/** Rows per history request (the hub caps it at store.maxHistoryQueryRows, 10,000 by default). */
const HISTORY_PAGE_ROWS = 5000;
/** Bound of one history read: 200 pages of 5,000 rows. */
const MAX_HISTORY_PAGES = 200;

function hasOp(f: Form, op: string): boolean {
  return f.op === undefined || f.op === op || (Array.isArray(f.op) && f.op.includes(op));
}

export class HubClient implements ActionClient {
  private token: string | null = null;
  private readonly tds = new Map<string, ConsumerTd>();
  private readonly statusUrls = new Map<string, string>();

  constructor(private readonly opts: HubClientOptions) {}

  private url(path: string): string {
    return new URL(path, this.opts.baseUrl).toString();
  }

  private async call(method: string, url: string, body?: unknown, retried = false): Promise<Response> {
    if (!this.token) await this.login();
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 10000),
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(url, init);
    if (res.status === 401 && !retried) {
      this.token = null;
      return this.call(method, url, body, true);
    }
    return res;
  }

  async login(): Promise<void> {
    const res = await fetch(this.url('/auth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: this.opts.username, password: this.opts.password }),
      signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 10000),
    });
    if (!res.ok) throw new UnauthenticatedError(`hub refused the fleet's credentials for ${this.opts.username} (${res.status})`);
    this.token = ((await res.json()) as { token: string }).token;
  }

  private async fail(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => '');
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    const err = new BadRequestError(`${what}: HTTP ${res.status} ${text.slice(0, 200)}`, { status: res.status, ...(code ? { code } : {}) });
    throw err as RoostError;
  }

  /** The consumer TD of a thing (cached). */
  async thing(thingId: string): Promise<ConsumerTd> {
    const cached = this.tds.get(thingId);
    if (cached) return cached;
    const res = await this.call('GET', this.url(`/things/${encodeURIComponent(thingId)}`));
    if (!res.ok) return this.fail(res, `GET thing ${thingId}`);
    const td = (await res.json()) as ConsumerTd;
    this.tds.set(thingId, td);
    return td;
  }

  /** The thing's consumer TD now (not cached: a provisional thing changes when identified). */
  async describe(thingId: string): Promise<ThingSummary | null> {
    const res = await this.call('GET', this.url(`/things/${encodeURIComponent(thingId)}`));
    if (res.status === 404) return null;
    if (!res.ok) return this.fail(res, `GET thing ${thingId}`);
    const td = (await res.json()) as ConsumerTd;
    this.tds.set(thingId, td);
    return { title: td.title ?? '', properties: Object.keys(td.properties ?? {}), actions: Object.keys(td.actions ?? {}) };
  }

  async invoke(thingId: string, action: string, input: unknown): Promise<ActionHandle> {
    const td = await this.thing(thingId);
    const form = td.actions?.[action]?.forms?.find((f) => /^https?:/.test(f.href) && hasOp(f, 'invokeaction'));
    if (!form) throw new BadRequestError(`${thingId} offers no HTTP form to invoke ${action}`);
    return this.enqueue(form, 'POST', input ?? null, `invoke ${action} on ${thingId}`);
  }

  async write(thingId: string, property: string, value: unknown): Promise<ActionHandle> {
    const td = await this.thing(thingId);
    const form = td.properties?.[property]?.forms?.find((f) => /^https?:/.test(f.href) && hasOp(f, 'writeproperty'));
    if (!form) throw new BadRequestError(`${thingId} offers no HTTP form to write ${property}`);
    return this.enqueue(form, 'PUT', value, `write ${property} on ${thingId}`);
  }

  /** Sends an invocation or write; the hub answers its status resource in Location (200/204 done, 202 queued). */
  private async enqueue(form: Form, method: string, body: unknown, what: string): Promise<ActionHandle> {
    const res = await this.call(form['htv:methodName'] ?? method, new URL(form.href, this.opts.baseUrl).toString(), body);
    if (!res.ok) return this.fail(res, what);
    const answer = (await res.json().catch(() => ({}))) as Partial<ActionHandle> & { href?: string };
    const location = res.headers.get('location') ?? answer.href;
    const id = answer.id ?? location?.split('/').pop();
    if (!id) throw new BadRequestError(`${what}: no status resource in the answer (HTTP ${res.status})`);
    this.statusUrls.set(id, location ? new URL(location, this.opts.baseUrl).toString() : this.url(`/actions/${encodeURIComponent(id)}`));
    return { id, state: res.status === 202 ? (answer.state ?? 'queued') : 'completed' };
  }

  /**
   * Values of a property in the hub's history (GET /things/{id}/properties/{name}/history), oldest
   * first, from `fromMs` on; pages through a range the hub cuts (`truncated`) from the last time seen.
   */
  async history(thingId: string, name: string, fromMs = 0): Promise<unknown[]> {
    const out: unknown[] = [];
    let from = fromMs;
    let skip = 0; // rows at `from` already taken from the previous page
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const res = await this.call('GET', this.url(`/things/${encodeURIComponent(thingId)}/properties/${encodeURIComponent(name)}/history?from=${from}&limit=${HISTORY_PAGE_ROWS}`));
      if (res.status === 404) return out;
      if (!res.ok) return this.fail(res, `history of ${thingId}/${name}`);
      const body = (await res.json()) as { truncated?: boolean; items?: Array<{ ts: number; value: unknown }> };
      const items = body.items ?? [];
      out.push(...items.slice(skip).map((r) => r.value));
      const last = items.at(-1);
      if (!body.truncated || !last) return out;
      // The next page starts at the last millisecond seen: skip its rows already taken.
      if (last.ts === from) throw new BadRequestError(`history of ${thingId}/${name}: more than ${HISTORY_PAGE_ROWS} rows in one millisecond`);
      skip = items.filter((r) => r.ts === last.ts).length;
      from = last.ts;
    }
    return out;
  }

  async status(id: string): Promise<ActionHandle> {
    const url = this.statusUrls.get(id) ?? this.url(`/actions/${encodeURIComponent(id)}`);
    const res = await this.call('GET', url);
    if (!res.ok) return this.fail(res, `status of ${id}`);
    const body = (await res.json()) as { id?: string; state: string };
    return { id: body.id ?? id, state: body.state };
  }
}
