/**
 * Keeps one port open: opens it, and when it closes or fails to open (unplugged, not there yet)
 * tries again after a delay that doubles from reconnectMinMs to reconnectMaxMs. A successful open
 * resets the delay and starts a fresh session, which asks the device for hello again.
 */
import { stat } from 'node:fs/promises';
import { PortSession, type SessionHost } from './port-session.js';
import type { PortFraming } from './serial-options.js';
import type { PortOpener, SerialTransport } from './serial-transport.js';

export interface SupervisorDeps {
  open: PortOpener;
  host: SessionHost;
  opened(s: PortSession): void;
  closed(s: PortSession): void;
}

export class PortSupervisor {
  session: PortSession | null = null;
  /** Why the last open failed (status detail), null while open. */
  lastError: string | null = null;
  private transport: SerialTransport | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delayMs: number;
  private stopped = false;
  private failures = 0;
  private presenceTimer: NodeJS.Timeout | null = null;

  constructor(readonly path: string, readonly framing: PortFraming, private readonly deps: SupervisorDeps) {
    this.delayMs = deps.host.opts.reconnectMinMs;
  }

  start(): void {
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopPresenceCheck();
    const s = this.session;
    const t = this.transport;
    this.session = null;
    this.transport = null;
    if (s) {
      s.close();
      this.deps.closed(s);
    }
    await t?.close();
  }

  private async attempt(): Promise<void> {
    this.timer = null;
    const { host } = this.deps;
    let t: SerialTransport;
    try {
      t = await this.deps.open(this.path, this.framing);
    } catch (err) {
      if (this.stopped) return;
      host.counters.portOpenFailures++;
      this.lastError = (err as Error).message;
      // One log line per outage, not one per attempt.
      if (this.failures++ === 0) host.ctx.logger.warn({ port: this.path, err: this.lastError }, 'serial port not available; will retry');
      this.schedule();
      return;
    }
    if (this.stopped) {
      await t.close();
      return;
    }
    host.counters.portOpens++;
    this.failures = 0;
    this.lastError = null;
    this.delayMs = host.opts.reconnectMinMs;
    const s = new PortSession(this.path, t, host);
    this.session = s;
    this.transport = t;
    t.on('close', (info) => this.lose(s, info.disconnected, info.error?.message ?? 'closed'));
    this.deps.opened(s);
    host.ctx.logger.info({ port: this.path, baudRate: this.framing.baudRate }, 'serial port open');
    s.start();
    void this.watchPresence(s, t);
  }

  /** The session ended (the port closed, or its device node went away): reopen later. */
  private lose(s: PortSession, disconnected: boolean, why: string): void {
    if (this.session !== s) return;
    const { host } = this.deps;
    this.stopPresenceCheck();
    this.session = null;
    this.transport = null;
    if (disconnected) host.counters.portDisconnects++;
    this.lastError = why;
    host.ctx.logger.warn({ port: this.path, disconnected, err: why }, 'serial port closed; will reopen');
    s.close();
    this.deps.closed(s);
    if (!this.stopped) this.schedule();
  }

  /** Checks every presenceCheckMs that the node opened is still the one at the path. */
  private async watchPresence(s: PortSession, t: SerialTransport): Promise<void> {
    const every = this.deps.host.opts.presenceCheckMs;
    const id = async () => {
      const st = await stat(this.path);
      return `${st.dev}:${st.ino}:${st.rdev}`;
    };
    // Not a node on this file system (a transport under test, a network port): nothing to watch.
    const opened = every > 0 ? await id().catch(() => null) : null;
    if (opened === null || this.session !== s) return;
    const check = async () => {
      this.presenceTimer = null;
      const now = await id().catch(() => null);
      if (this.session !== s) return;
      if (now === opened) {
        this.presenceTimer = setTimeout(() => void check(), every);
        return;
      }
      this.lose(s, true, now === null ? `${this.path} vanished` : `${this.path} was replaced`);
      // The fd may be dead without the binding knowing: its close is not waited for.
      void t.close().catch(() => undefined);
    };
    this.presenceTimer = setTimeout(() => void check(), every);
  }

  private stopPresenceCheck(): void {
    if (this.presenceTimer) clearTimeout(this.presenceTimer);
    this.presenceTimer = null;
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => void this.attempt(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, this.deps.host.opts.reconnectMaxMs);
  }
}
