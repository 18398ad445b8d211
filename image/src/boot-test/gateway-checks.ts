/**
 * What the boot test asks the gateway inside the VM, over the forwarded HTTP port
 * (ARCHITECTURE.md, HTTP): /healthz, that the directory is closed without a token and to a wrong
 * password, a login with the first-boot admin credential (POST /auth/token), and the system thing
 * in the directory (GET /things with the bearer token, then GET /things/{id}).
 */
import { waitHealthy } from '../device/health.js';

export const SYSTEM_THING_ID = 'urn:roost:system:gateway';

export interface GatewayCheck {
  healthzAfterMs: number;
  thingIds: string[];
}

async function json(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what}: not JSON: ${text.slice(0, 300)}`);
  }
}

/** Thing ids from a directory listing, which is a JSON array of TDs (WoT Discovery TDD API). */
export function thingIdsOf(listing: unknown): string[] {
  if (!Array.isArray(listing)) throw new Error(`GET /things: expected an array of TDs, got ${JSON.stringify(listing).slice(0, 200)}`);
  return listing.map((td: { id?: unknown } | null) => String(td?.id));
}

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${res.status} ${text.slice(0, 300)}`);
}

function login(baseUrl: string, username: string, password: string): Promise<Response> {
  return fetch(`${baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

export async function checkGateway(baseUrl: string, user: string, password: string, healthTimeoutMs: number): Promise<GatewayCheck> {
  const health = await waitHealthy(`${baseUrl}/healthz`, { timeoutMs: healthTimeoutMs, intervalMs: 1000 });
  if (!health.healthy) throw new Error(`/healthz not healthy after ${health.waitedMs} ms: ${health.lastError}`);
  await expectStatus(await fetch(`${baseUrl}/things`), 401, 'GET /things without a token');
  await expectStatus(await login(baseUrl, user, `${password}x`), 401, 'POST /auth/token with a wrong password');
  const { token } = (await json(await login(baseUrl, user, password), 'POST /auth/token')) as { token?: unknown };
  if (typeof token !== 'string' || token.length === 0) throw new Error('POST /auth/token: no token in the answer');
  const auth = { authorization: `Bearer ${token}` };
  const thingIds = thingIdsOf(await json(await fetch(`${baseUrl}/things`, { headers: auth }), 'GET /things'));
  if (!thingIds.includes(SYSTEM_THING_ID)) throw new Error(`GET /things: no ${SYSTEM_THING_ID} among ${thingIds.join(', ') || 'no things'}`);
  const td = (await json(await fetch(`${baseUrl}/things/${encodeURIComponent(SYSTEM_THING_ID)}`, { headers: auth }), `GET /things/${SYSTEM_THING_ID}`)) as { id?: unknown };
  if (td.id !== SYSTEM_THING_ID) throw new Error(`GET /things/${SYSTEM_THING_ID}: a TD with id ${String(td.id)}`);
  return { healthzAfterMs: health.waitedMs, thingIds };
}
