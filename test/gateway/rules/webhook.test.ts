/**
 * Webhook delivery against a local HTTP server on 127.0.0.1, port 0: the JSON body and headers as
 * sent, retries with a doubling backoff on 500 until it succeeds, no retry on a 4xx, a timeout per
 * attempt, a closed port, a body over the limit (never sent), and stopping mid-backoff.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { postWebhook, WebhookError, type WebhookOptions } from '../../../gateway/rules/webhook.js';

interface Hit { at: number; body: string; headers: IncomingMessage['headers'] }

describe('postWebhook', () => {
  let server: Server;
  let base = '';
  const hits: Hit[] = [];
  /** Answers per request, in order; the last one repeats. */
  let answers: Array<(res: ServerResponse) => void> = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        hits.push({ at: Date.now(), body, headers: req.headers });
        const answer = answers[Math.min(hits.length - 1, answers.length - 1)];
        answer?.(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));

  const reset = (...a: Array<(res: ServerResponse) => void>) => {
    hits.length = 0;
    answers = a;
  };
  const status = (code: number) => (res: ServerResponse) => res.writeHead(code).end();
  const opts = (o: Partial<WebhookOptions> = {}): WebhookOptions => ({ timeoutMs: 2000, retries: 3, backoffMs: 50, maxBodyBytes: 4096, ...o });

  it('success: one POST with the JSON body, content type and the rule\'s headers', async () => {
    reset(status(204));
    const r = await postWebhook(`${base}/hook`, { ruleId: 'r1', value: 31 }, { authorization: 'Bearer s3cret' }, opts());
    assert.deepEqual(r, { status: 204, attempts: 1 });
    assert.equal(hits.length, 1);
    assert.deepEqual(JSON.parse(hits[0]!.body), { ruleId: 'r1', value: 31 });
    assert.equal(hits[0]!.headers['content-type'], 'application/json');
    assert.equal(hits[0]!.headers['authorization'], 'Bearer s3cret');
  });

  it('500, 500, then 200: three attempts, the waits doubling (50 ms, then 100 ms)', async () => {
    reset(status(500), status(503), status(200));
    const r = await postWebhook(`${base}/hook`, { n: 1 }, {}, opts());
    assert.deepEqual(r, { status: 200, attempts: 3 });
    assert.equal(hits.length, 3);
    const gaps = [hits[1]!.at - hits[0]!.at, hits[2]!.at - hits[1]!.at];
    assert.ok(gaps[0]! >= 45 && gaps[1]! >= 95, `gaps ${gaps.join(', ')} ms`);
  });

  it('always 500: gives up after 1 + retries attempts with the last status', async () => {
    reset(status(500));
    const err = await postWebhook(`${base}/hook`, {}, {}, opts({ retries: 2, backoffMs: 1 })).catch((e: unknown) => e);
    assert.ok(err instanceof WebhookError);
    assert.deepEqual([err.attempts, err.status, err.message], [3, 500, 'webhook answered 500 (3 attempts)']);
    assert.equal(hits.length, 3);
  });

  it('a 4xx other than 408 and 429 is not retried', async () => {
    reset(status(404));
    const err = await postWebhook(`${base}/hook`, {}, {}, opts()).catch((e: unknown) => e);
    assert.ok(err instanceof WebhookError);
    assert.deepEqual([err.attempts, err.status], [1, 404]);
    assert.equal(hits.length, 1);
  });

  it('an attempt that gets no answer within timeoutMs times out and is retried', async () => {
    const hung: ServerResponse[] = [];
    reset((res) => hung.push(res), status(200));
    const t0 = Date.now();
    const r = await postWebhook(`${base}/hook`, {}, {}, opts({ timeoutMs: 150, backoffMs: 1 }));
    assert.deepEqual(r, { status: 200, attempts: 2 });
    assert.ok(Date.now() - t0 >= 140);
    for (const res of hung) res.destroy();
  });

  it('only timeouts: the error says so', async () => {
    const hung: ServerResponse[] = [];
    reset((res) => hung.push(res));
    const err = await postWebhook(`${base}/hook`, {}, {}, opts({ timeoutMs: 100, retries: 1, backoffMs: 1 })).catch((e: unknown) => e);
    assert.ok(err instanceof WebhookError);
    assert.equal(err.message, 'webhook timed out after 100 ms (2 attempts)');
    for (const res of hung) res.destroy();
  });

  it('a closed port is a network error, retried, then reported with its code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await postWebhook(`http://127.0.0.1:${port}/`, {}, {}, opts({ retries: 1, backoffMs: 1 })).catch((e: unknown) => e);
    assert.ok(err instanceof WebhookError);
    assert.equal(err.message, 'webhook failed: ECONNREFUSED (2 attempts)');
  });

  it('a body over maxBodyBytes is never sent', async () => {
    reset(status(200));
    const err = await postWebhook(`${base}/hook`, { pad: 'x'.repeat(500) }, {}, opts({ maxBodyBytes: 256 })).catch((e: unknown) => e);
    assert.ok(err instanceof WebhookError);
    assert.match(err.message, /webhook body of 5\d\d bytes is over rules\.maxWebhookBodyBytes \(256\)/);
    assert.equal(hits.length, 0);
  });

  it('an abort during the backoff ends the delivery at once', async () => {
    reset(status(500));
    const stop = new AbortController();
    const p = postWebhook(`${base}/hook`, {}, {}, opts({ backoffMs: 60_000 }), stop.signal).catch((e: unknown) => e);
    while (hits.length === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    const err = await p;
    assert.ok(err instanceof WebhookError);
    assert.equal(err.message, 'webhook abandoned: rules stopped');
  });
});
