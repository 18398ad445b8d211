/**
 * POSTs a notification as JSON to a webhook: each attempt bounded by timeoutMs, retried with a
 * doubling backoff on what may pass (5xx, 408, 429, a timeout, a network error), never on another
 * 4xx; a body over maxBodyBytes is not sent at all. Redirects are not followed (a webhook that
 * moved says so in the rule's last error).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WebhookOptions {
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** Wait before the first retry; doubled for each further one. */
  backoffMs: number;
  maxBodyBytes: number;
}

/** Why a webhook delivery failed, after `attempts` attempts; `status` is the last HTTP status, if any. */
export class WebhookError extends Error {
  constructor(message: string, readonly attempts: number, readonly status?: number) {
    super(message);
    this.name = 'WebhookError';
  }
}

const RETRY_STATUS = (s: number): boolean => s >= 500 || s === 408 || s === 429;

/** Resolves with the answer's status (2xx) and the attempts it took; rejects with WebhookError. */
export async function postWebhook(
  url: string, body: unknown, headers: Readonly<Record<string, string>>, o: WebhookOptions, signal?: AbortSignal,
): Promise<{ status: number; attempts: number }> {
  const text = JSON.stringify(body);
  const bytes = Buffer.byteLength(text);
  if (bytes > o.maxBodyBytes) throw new WebhookError(`webhook body of ${bytes} bytes is over rules.maxWebhookBodyBytes (${o.maxBodyBytes})`, 0);
  let last = '';
  for (let attempt = 1; ; attempt++) {
    let status: number | undefined;
    try {
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: text,
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      status = res.status;
      await res.body?.cancel();
      if (status >= 200 && status < 300) return { status, attempts: attempt };
      last = `webhook answered ${status}`;
      if (!RETRY_STATUS(status)) throw new WebhookError(last, attempt, status);
    } catch (err) {
      if (err instanceof WebhookError) throw err;
      if (signal?.aborted) throw new WebhookError('webhook abandoned: rules stopped', attempt);
      const e = err as Error & { cause?: { code?: string } };
      last = e.name === 'TimeoutError' ? `webhook timed out after ${o.timeoutMs} ms` : `webhook failed: ${e.cause?.code ?? e.message}`;
    }
    if (attempt > o.retries) throw new WebhookError(`${last} (${attempt} attempts)`, attempt, status);
    try {
      await sleep(o.backoffMs * 2 ** (attempt - 1), undefined, signal ? { signal } : {});
    } catch {
      throw new WebhookError('webhook abandoned: rules stopped', attempt, status);
    }
  }
}
