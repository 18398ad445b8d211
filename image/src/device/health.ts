/** Polls a health URL until it answers 2xx or the time is up. */
export interface HealthResult {
  healthy: boolean;
  waitedMs: number;
  lastError: string;
}

export interface WaitHealthyOptions {
  timeoutMs: number;
  intervalMs: number;
  requestTimeoutMs?: number;
  /** Checked between polls: a reason to stop waiting (the service failed for good), or null. */
  giveUp?: () => string | null;
}

export async function waitHealthy(url: string, o: WaitHealthyOptions): Promise<HealthResult> {
  const started = Date.now();
  let lastError = 'no answer yet';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(o.requestTimeoutMs ?? 2000) });
      if (res.ok) return { healthy: true, waitedMs: Date.now() - started, lastError: '' };
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    const reason = o.giveUp?.() ?? null;
    if (reason !== null) return { healthy: false, waitedMs: Date.now() - started, lastError: reason };
    if (Date.now() - started + o.intervalMs > o.timeoutMs) return { healthy: false, waitedMs: Date.now() - started, lastError };
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
