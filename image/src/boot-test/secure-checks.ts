/**
 * What the boot test asks the image's gateway beyond gateway-checks.ts, over forwarded ports:
 * HTTPS with the certificate pinned (the one presented must be the one GET /gateway/identity
 * names, and the one the first-start label printed when the caller has it; every request after
 * the handshake verifies against exactly that certificate), and CoAP answering
 * GET /.well-known/core with the resource directory (libcoap's coap-client-notls, as a device would).
 */
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { Readable } from 'node:stream';
import { connect } from 'node:tls';
import { runTool } from '../build/run-tool.js';

export interface PresentedCertificate {
  pem: string;
  /** SHA-256 of the DER, upper-case hex pairs with colons (as /gateway/identity prints it). */
  sha256: string;
}

/** The certificate an HTTPS port presents (read without trusting it; the caller pins it). */
export function presentedCertificate(httpsUrl: string, timeoutMs = 10_000): Promise<PresentedCertificate> {
  const u = new URL(httpsUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const der = socket.getPeerCertificate(true).raw;
      socket.end();
      if (!der) return reject(new Error(`${httpsUrl}: no certificate presented`));
      const x = new X509Certificate(der);
      resolve({ pem: x.toString(), sha256: x.fingerprint256 });
    });
    socket.on('timeout', () => socket.destroy(new Error(`${httpsUrl}: TLS handshake timed out`)));
    socket.on('error', reject);
  });
}

/** One HTTPS request that trusts exactly `ca`; answers status and body (parsed JSON, or null). */
export function httpsJson(url: string, ca: string, method: string, body?: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const req = request(url, { method, ca, headers, timeout: 30_000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
        } catch {
          reject(new Error(`${method} ${url}: not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * HTTPS: pins the presented certificate (to `expectSha256` when given), logs in trusting only it,
 * and checks GET /gateway/identity names the same fingerprint. Answers the fingerprint.
 */
export async function checkHttps(httpsUrl: string, user: string, password: string, expectSha256?: string): Promise<{ sha256: string }> {
  const cert = await presentedCertificate(httpsUrl);
  if (expectSha256 && cert.sha256 !== expectSha256) throw new Error(`${httpsUrl} presents ${cert.sha256}, the label says ${expectSha256}`);
  const login = await httpsJson(`${httpsUrl}/auth/token`, cert.pem, 'POST', { username: user, password });
  const token = (login.json as { token?: unknown } | null)?.token;
  if (login.status !== 200 || typeof token !== 'string') throw new Error(`POST ${httpsUrl}/auth/token: HTTP ${login.status}`);
  const id = await httpsJson(`${httpsUrl}/gateway/identity`, cert.pem, 'GET', undefined, token);
  const named = (id.json as { tls?: { sha256?: unknown } } | null)?.tls?.sha256;
  if (id.status !== 200 || named !== cert.sha256) throw new Error(`GET /gateway/identity: HTTP ${id.status}, names ${String(named)}, the port presents ${cert.sha256}`);
  return { sha256: cert.sha256 };
}

/**
 * A fetch over HTTPS that trusts exactly `ca` (Node's fetch takes no CA): for callers written
 * against fetch (admin-client.ts) once the image answers plain HTTP with a redirect. Bodies may
 * be a string, bytes or a web stream; a redirect is answered, never followed.
 */
export function pinnedFetch(ca: string): typeof fetch {
  return (input, init = {}) => new Promise<Response>((resolve, reject) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const req = request(url, { method: init.method ?? 'GET', ca, headers }, (res) => {
      const out = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
      const empty = res.statusCode === 204 || res.statusCode === 304;
      resolve(new Response(empty ? null : Readable.toWeb(res) as ReadableStream<Uint8Array>, { status: res.statusCode ?? 0, headers: out }));
    });
    req.on('error', reject);
    const body = init.body;
    if (body === undefined || body === null) req.end();
    else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
    else if (body instanceof ReadableStream) Readable.fromWeb(body as import('node:stream/web').ReadableStream).pipe(req);
    else reject(new Error('pinnedFetch: body must be a string, bytes or a stream'));
  });
}

/** CoAP: GET /.well-known/core answers with the resource directory's link (rt="core.rd"). */
export async function checkCoap(host: string, port: number, waitS = 10): Promise<string> {
  const out = await runTool('coap-client-notls', ['-m', 'get', '-B', String(waitS), `coap://${host}:${port}/.well-known/core`], { capture: true });
  if (!/<\/rd>;[^,]*rt="?core\.rd/.test(out)) throw new Error(`CoAP GET /.well-known/core on ${host}:${port}: no resource directory in ${JSON.stringify(out.slice(0, 300))}`);
  return out.trim();
}
