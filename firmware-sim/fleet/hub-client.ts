/**
 * The fleet's client of the hub's HTTP API (docs/api.md): a bearer token from POST /auth/token,
 * consumer TDs from the directory, invocations at the href of the action's form, and the status
 * resource the hub answers with. Uses fetch only: the fleet stays an independent peer.
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
    const res = await this.call(form['htv:methodName'] ?? 'POST', new URL(form.href, this.opts.baseUrl).toString(), input ?? null);
    if (!res.ok) return this.fail(res, `invoke ${action} on ${thingId}`);
    const body = (await res.json().catch(() => ({}))) as Partial<ActionHandle> & { href?: string };
    const location = res.headers.get('location') ?? body.href;
    const id = body.id ?? location?.split('/').pop();
    if (!id) throw new BadRequestError(`invoke ${action} on ${thingId}: no status resource in the answer (HTTP ${res.status})`);
    this.statusUrls.set(id, location ? new URL(location, this.opts.baseUrl).toString() : this.url(`/actions/${encodeURIComponent(id)}`));
    return { id, state: body.state ?? (res.status === 200 ? 'completed' : 'queued') };
  }

  async status(id: string): Promise<ActionHandle> {
    const url = this.statusUrls.get(id) ?? this.url(`/actions/${encodeURIComponent(id)}`);
    const res = await this.call('GET', url);
    if (!res.ok) return this.fail(res, `status of ${id}`);
    const body = (await res.json()) as { id?: string; state: string };
    return { id: body.id ?? id, state: body.state };
  }
}
