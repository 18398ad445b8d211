/**
 * The consumer side of the kill -9 harness: queues actions (`POST /things/{id}/actions/blink`) and
 * property writes (`PUT /things/{id}/properties/level`) for each sleepy device through the HTTP
 * API, one request at a time per device, so that the order of requests is the order of the queue.
 * Every command carries its number (action input `{"seq": n}`, written value `n`), so the device
 * can tell which command an item is. Each command ends as:
 * - `acked`: the hub answered 2xx with the item's status resource (the item is queued);
 * - `refused`: the hub answered an error, or the connection was refused (nothing queued);
 * - `uncertain`: the request went out but no answer came (the gateway died): queued or not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Prng } from '../../firmware-sim/fleet/prng.js';

export interface Command {
  issue: number;
  kind: 'a' | 'w';
  state: 'pending' | 'acked' | 'refused' | 'uncertain';
  /** The hub's item id (acked only). */
  id?: string;
  /** HTTP status or error text (refused, uncertain). */
  detail?: string;
  round: number;
}

/** A logged-in HTTP client whose base URL follows the gateway across restarts. */
export class HubHttp {
  private token: string | null = null;
  private tokenFor: string | null = null;

  constructor(private readonly base: () => string | null, private readonly password: string) {}

  async call(method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<Response> {
    const base = this.base();
    if (!base) throw Object.assign(new Error('gateway down'), { code: 'DOWN' });
    if (this.tokenFor !== base || !this.token) await this.login(base);
    const send = (): Promise<Response> => fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    let r = await send();
    if (r.status === 401) {
      await r.arrayBuffer();
      await this.login(base);
      r = await send();
    }
    return r;
  }

  async json<T>(path: string): Promise<{ status: number; body: T }> {
    const r = await this.call('GET', path);
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
  }

  private loggingIn: Promise<void> | null = null;

  /** One login at a time (the gateway answers 429 to more than a few at once). */
  private login(base: string): Promise<void> {
    this.loggingIn ??= this.loginOnce(base).finally(() => (this.loggingIn = null));
    return this.loggingIn;
  }

  private async loginOnce(base: string): Promise<void> {
    const r = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: this.password }),
      signal: AbortSignal.timeout(5000),
    });
    if (r.status !== 200) throw Object.assign(new Error(`login failed: ${r.status} ${await r.text()}`), { code: 'LOGIN' });
    this.token = ((await r.json()) as { token: string }).token;
    this.tokenFor = base;
  }
}

/** True when the error says the request never reached a server (nothing can have been queued). */
function notSent(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code === 'DOWN' || e.code === 'LOGIN' || e.cause?.code === 'ECONNREFUSED';
}

export class Commander {
  readonly commands: Command[] = [];
  private issue = 0;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly thingId: string,
    private readonly http: HubHttp,
    private readonly rng: Prng,
    private readonly gapMs: { min: number; max: number },
    private readonly writeShare: number,
    private readonly up: () => boolean,
    private readonly round: () => number,
  ) {}

  start(): void {
    this.loop ??= (async () => {
      while (!this.stopped) {
        await sleep(this.rng.uniform(this.gapMs.min, this.gapMs.max));
        if (this.stopped) break;
        if (!this.up()) continue;
        await this.send(this.rng.chance(this.writeShare) ? 'w' : 'a');
      }
    })();
  }

  /** Stops issuing; resolves when the request in flight has its answer. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async send(kind: 'a' | 'w'): Promise<void> {
    const issue = ++this.issue;
    const c: Command = { issue, kind, state: 'pending', round: this.round() };
    this.commands.push(c);
    const id = encodeURIComponent(this.thingId);
    try {
      const r = kind === 'a'
        ? await this.http.call('POST', `/things/${id}/actions/blink`, { seq: issue })
        : await this.http.call('PUT', `/things/${id}/properties/level`, issue);
      const text = await r.text();
      const location = r.headers.get('location');
      if (r.status >= 200 && r.status < 300 && location?.startsWith('/actions/')) {
        c.state = 'acked';
        c.id = location.slice('/actions/'.length);
      } else {
        c.state = 'refused';
        c.detail = `${r.status} ${text.slice(0, 200)}`;
      }
    } catch (err) {
      c.state = notSent(err) ? 'refused' : 'uncertain';
      c.detail = (err as Error).message;
    }
  }
}
