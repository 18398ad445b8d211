/**
 * HTTP agents' sessions (docs/agents.md "HTTP"): HTTP has no connection to end, so an agent is
 * connected from its first request until it has sent none for httpSessionTimeoutMs (a pending
 * long poll counts as talking). Each session is one AgentLink of the agent binding: items the
 * binding hands it wait in the session (one entry per item id, a resend replacing the older copy)
 * until a long poll takes them. The binding stays the one state machine: this file only turns
 * "a request came" and "silence" into connected()/disconnected().
 */
import type { AgentBinding, AgentItem, AgentLink } from './agent-binding.js';

/** What the sessions need of the agent binding. */
export type SessionHost = Pick<AgentBinding, 'connected' | 'disconnected'> & { readonly options: Pick<AgentBinding['options'], 'httpSessionTimeoutMs' | 'maxPollWaitMs'> };

/** An item as an HTTP poll answers it: the device it is for, then the item. */
export type PolledItem = { device: string } & AgentItem;

interface Waiter {
  resolve(items: PolledItem[]): void;
  timer: NodeJS.Timeout;
}

class HttpAgentSession implements AgentLink {
  /** Items wait in the session for the next poll: it can take them from the start. */
  readonly ready = true;
  readonly items = new Map<string, PolledItem>();
  waiter: Waiter | null = null;
  silence: NodeJS.Timeout | null = null;

  sendItem(device: string, item: AgentItem): void {
    this.items.delete(item.id);
    this.items.set(item.id, { device, ...item });
    this.answer();
  }

  /** Answers the pending poll, if any, with what waits. */
  answer(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    clearTimeout(w.timer);
    w.resolve(this.take());
  }

  take(): PolledItem[] {
    const out = [...this.items.values()];
    this.items.clear();
    return out;
  }
}

export class HttpAgentSessions {
  private readonly sessions = new Map<string, HttpAgentSession>();

  /** `binding` is looked up at each call: the agent binding may be restarted or disabled. */
  constructor(private readonly binding: () => SessionHost) {}

  /** The agent sent a request: its session starts (its things go online) or lives on. */
  touch(agent: string): void {
    const b = this.binding();
    let s = this.sessions.get(agent);
    if (!s) {
      s = new HttpAgentSession();
      this.sessions.set(agent, s);
      b.connected(agent, s);
    }
    if (!s.waiter) this.arm(agent, s, b.options.httpSessionTimeoutMs);
  }

  /**
   * A long poll: what waits for the agent now, or else the first items to come within waitMs
   * (capped at maxPollWaitMs); an empty list when none came. A newer poll answers an older one.
   * When `signal` aborts (the client went away) the poll ends without taking anything, so items
   * that come next wait for the following poll.
   */
  poll(agent: string, waitMs: number, signal?: AbortSignal): Promise<PolledItem[]> {
    this.touch(agent);
    const s = this.sessions.get(agent)!;
    const b = this.binding();
    s.answer();
    const wait = Math.min(waitMs, b.options.maxPollWaitMs);
    if (s.items.size > 0 || wait <= 0 || signal?.aborted) return Promise.resolve(s.take());
    if (s.silence) clearTimeout(s.silence);
    s.silence = null;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve: (items) => {
          signal?.removeEventListener('abort', onAbort);
          this.arm(agent, s, b.options.httpSessionTimeoutMs);
          resolve(items);
        },
        timer: setTimeout(() => s.answer(), wait),
      };
      const onAbort = (): void => {
        if (s.waiter !== waiter) return;
        s.waiter = null;
        clearTimeout(waiter.timer);
        waiter.resolve([]);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      s.waiter = waiter;
    });
  }

  /** Connected HTTP agents (for tests and status). */
  connected(): string[] {
    return [...this.sessions.keys()];
  }

  /** Ends every session (the HTTP server is closing): their agents' things go offline. */
  close(): void {
    for (const [agent, s] of [...this.sessions]) this.end(agent, s);
  }

  private arm(agent: string, s: HttpAgentSession, timeoutMs: number): void {
    if (s.silence) clearTimeout(s.silence);
    s.silence = setTimeout(() => this.end(agent, s), timeoutMs);
    s.silence.unref();
  }

  private end(agent: string, s: HttpAgentSession): void {
    if (this.sessions.get(agent) !== s) return;
    this.sessions.delete(agent);
    if (s.silence) clearTimeout(s.silence);
    s.answer();
    try {
      this.binding().disconnected(agent, s);
    } catch {
      // The binding is gone: there is nothing to mark offline.
    }
  }
}
