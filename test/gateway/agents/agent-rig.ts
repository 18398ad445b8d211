/**
 * What the agent tests share: a test gateway with agent users made through the admin API, a
 * native TD of a made-up serial sensor, and a bounded wait.
 */
import assert from 'node:assert/strict';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

export const AGENT_PASSWORD = 'agent-password-1';

export const SENSOR_TD = {
  '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1'],
  title: 'Serial sensor',
  securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
  security: 'nosec_sc',
  properties: { temperature: { type: 'number', readOnly: true, observable: true, forms: [{ href: 'serial://ttyS0/temperature' }] } },
  actions: { calibrate: { input: { type: 'number' }, forms: [{ href: 'serial://ttyS0/calibrate' }] } },
  events: { alarm: { data: { type: 'string' }, forms: [{ href: 'serial://ttyS0/alarm' }] } },
};

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface AgentRig {
  gw: TestGateway;
  /** A request to the gateway's HTTP API as `token` (JSON body). */
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** A bearer token of a user. */
  login(username: string, password?: string): Promise<string>;
  adminToken: string;
  stop(): Promise<void>;
}

/** A test gateway with the given users (username -> role), all with AGENT_PASSWORD. */
export async function startAgentRig(users: Record<string, string>, config: Record<string, unknown> = {}): Promise<AgentRig> {
  const gw = await startTestGateway(config);
  const login = async (username: string, password = AGENT_PASSWORD): Promise<string> => {
    const r = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    assert.equal(r.status, 200, `login of ${username}`);
    return ((await r.json()) as { token: string }).token;
  };
  const adminToken = await login('admin', TEST_ADMIN_PASSWORD);
  const api = (path: string, init: RequestInit & { token?: string } = {}): Promise<Response> => {
    const { token, ...rest } = init;
    const headers: Record<string, string> = { authorization: `Bearer ${token ?? adminToken}`, ...(rest.body !== undefined ? { 'content-type': 'application/json' } : {}) };
    return fetch(`${gw.httpUrl}${path}`, { ...rest, headers: { ...headers, ...((rest.headers as Record<string, string> | undefined) ?? {}) } });
  };
  for (const [username, role] of Object.entries(users)) {
    assert.equal((await api('/users', { method: 'POST', body: JSON.stringify({ username, password: AGENT_PASSWORD, role }) })).status, 201);
  }
  return { gw, api, login, adminToken, stop: () => gw.stop() };
}
