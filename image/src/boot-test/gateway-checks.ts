/**
 * What the boot test asks the gateway inside the VM, over the forwarded HTTP port: /healthz,
 * a login with the first-boot admin credential, and the system thing in the directory.
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

/** Thing ids from a directory listing: a plain array of TDs, or an object with an array of them. */
export function thingIdsOf(listing: unknown): string[] {
  const list = Array.isArray(listing) ? listing : Object.values(listing as Record<string, unknown>).find(Array.isArray) ?? [];
  return (list as Array<{ id?: unknown }>).map((td) => String(td.id));
}

export async function checkGateway(baseUrl: string, user: string, password: string, healthTimeoutMs: number): Promise<GatewayCheck> {
  const health = await waitHealthy(`${baseUrl}/healthz`, { timeoutMs: healthTimeoutMs, intervalMs: 1000 });
  if (!health.healthy) throw new Error(`/healthz not healthy after ${health.waitedMs} ms: ${health.lastError}`);
  const login = await fetch(`${baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password }),
  });
  const { token } = (await json(login, 'POST /auth/token')) as { token?: string };
  if (typeof token !== 'string' || token.length === 0) throw new Error('POST /auth/token: no token in the answer');
  const things = await fetch(`${baseUrl}/things`, { headers: { authorization: `Bearer ${token}` } });
  const thingIds = thingIdsOf(await json(things, 'GET /things'));
  if (!thingIds.includes(SYSTEM_THING_ID)) throw new Error(`GET /things: no ${SYSTEM_THING_ID} among ${thingIds.join(', ') || 'no things'}`);
  return { healthzAfterMs: health.waitedMs, thingIds };
}
