/**
 * What the boot test asks the gateway inside the VM, over the forwarded HTTP port
 * (ARCHITECTURE.md, HTTP): /healthz, that the directory is closed without a token and to a wrong
 * password, a login with the first-boot admin credential (POST /auth/token), and the system thing
 * in the directory (GET /things with the bearer token, then GET /things/{id}). With `secure` (the
 * image redirects plain HTTP to HTTPS), everything after /healthz goes over HTTPS with the
 * presented certificate pinned, and CoAP is checked too (secure-checks.ts).
 */
import { waitHealthy } from '../device/health.js';
import { checkCoap, checkHttps, httpsJson, presentedCertificate } from './secure-checks.js';

export const SYSTEM_THING_ID = 'urn:roost:system:gateway';

export interface GatewayCheck {
  healthzAfterMs: number;
  thingIds: string[];
  /** With `secure`: the pinned certificate's SHA-256 and what CoAP answered. */
  tlsSha256?: string;
  coapCore?: string;
}

/** Where the boot test reaches the gateway's HTTPS and CoAP ports (forwarded by qemu-vm.ts). */
export interface SecureTargets {
  httpsUrl: string;
  coap?: { host: string; port: number };
  /** The fingerprint the first-start label printed, when the caller read it. */
  labelSha256?: string;
}

/** Status and JSON of one request: plain fetch that never follows a redirect, or HTTPS pinned to `ca`. */
type Requester = (path: string, method: string, body?: unknown, token?: string) => Promise<{ status: number; json: unknown; text: string }>;

function plainRequester(baseUrl: string): Requester {
  return async (path, method, body, token) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method, redirect: 'manual',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300 && res.status < 400) throw new Error(`${method} ${path}: HTTP ${res.status} to ${res.headers.get('location')}: plain HTTP redirects to HTTPS, check with secure targets`);
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text };
  };
}

function httpsRequester(httpsUrl: string, ca: string): Requester {
  return async (path, method, body, token) => {
    const r = await httpsJson(`${httpsUrl}${path}`, ca, method, body, token);
    return { ...r, text: JSON.stringify(r.json) };
  };
}

/** Thing ids from a directory listing, which is a JSON array of TDs (WoT Discovery TDD API). */
export function thingIdsOf(listing: unknown): string[] {
  if (!Array.isArray(listing)) throw new Error(`GET /things: expected an array of TDs, got ${JSON.stringify(listing).slice(0, 200)}`);
  return listing.map((td: { id?: unknown } | null) => String(td?.id));
}

function expectStatus(r: { status: number; text: string }, status: number, what: string): void {
  if (r.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${r.status} ${r.text.slice(0, 300)}`);
}

function ok(r: { status: number; json: unknown; text: string }, what: string): unknown {
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  if (r.json === null) throw new Error(`${what}: not JSON: ${r.text.slice(0, 300)}`);
  return r.json;
}

export async function checkGateway(baseUrl: string, user: string, password: string, healthTimeoutMs: number, secure?: SecureTargets): Promise<GatewayCheck> {
  const health = await waitHealthy(`${baseUrl}/healthz`, { timeoutMs: healthTimeoutMs, intervalMs: 1000 });
  if (!health.healthy) throw new Error(`/healthz not healthy after ${health.waitedMs} ms: ${health.lastError}`);
  const cert = secure ? await presentedCertificate(secure.httpsUrl) : null;
  const req = secure && cert ? httpsRequester(secure.httpsUrl, cert.pem) : plainRequester(baseUrl);
  const login = (pw: string) => req('/auth/token', 'POST', { username: user, password: pw });
  expectStatus(await req('/things', 'GET'), 401, 'GET /things without a token');
  expectStatus(await login(`${password}x`), 401, 'POST /auth/token with a wrong password');
  const { token } = ok(await login(password), 'POST /auth/token') as { token?: unknown };
  if (typeof token !== 'string' || token.length === 0) throw new Error('POST /auth/token: no token in the answer');
  const thingIds = thingIdsOf(ok(await req('/things', 'GET', undefined, token), 'GET /things'));
  if (!thingIds.includes(SYSTEM_THING_ID)) throw new Error(`GET /things: no ${SYSTEM_THING_ID} among ${thingIds.join(', ') || 'no things'}`);
  const td = ok(await req(`/things/${encodeURIComponent(SYSTEM_THING_ID)}`, 'GET', undefined, token), `GET /things/${SYSTEM_THING_ID}`) as { id?: unknown };
  if (td.id !== SYSTEM_THING_ID) throw new Error(`GET /things/${SYSTEM_THING_ID}: a TD with id ${String(td.id)}`);
  const out: GatewayCheck = { healthzAfterMs: health.waitedMs, thingIds };
  if (secure) {
    out.tlsSha256 = (await checkHttps(secure.httpsUrl, user, password, secure.labelSha256)).sha256;
    if (secure.coap) out.coapCore = await checkCoap(secure.coap.host, secure.coap.port);
  }
  return out;
}
