/** Small helpers the uplink tests share: waiting for a condition, reading the gateway's /metrics. */
import { TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

export { until } from '../../helpers/until.js';

export async function adminToken(gw: TestGateway): Promise<string> {
  const r = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
  return ((await r.json()) as { token: string }).token;
}

export async function metrics(gw: TestGateway, token?: string): Promise<string> {
  const t = token ?? await adminToken(gw);
  return (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${t}` } })).text();
}
