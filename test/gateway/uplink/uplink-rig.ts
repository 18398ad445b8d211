/** Small helpers the uplink tests share: waiting for a condition, reading the gateway's /metrics. */
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

export async function until(what: string, fn: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function adminToken(gw: TestGateway): Promise<string> {
  const r = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
  return ((await r.json()) as { token: string }).token;
}

export async function metrics(gw: TestGateway, token?: string): Promise<string> {
  const t = token ?? await adminToken(gw);
  return (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${t}` } })).text();
}
