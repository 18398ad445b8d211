import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Users } from '../../../gateway/auth/users.js';
import { TEST_ADMIN_PASSWORD, startTestGateway } from '../../helpers/gateway.js';

async function post(url: string, body: unknown, raw?: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
}

describe('POST /auth/token', () => {
  it('issues a bearer token for the first admin, and the token verifies', async () => {
    const gw = await startTestGateway();
    const r = await post(`${gw.httpUrl}/auth/token`, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    assert.equal(r.status, 200);
    assert.equal(typeof r.body['token'], 'string');
    const users = new Users(gw.store.db, 3600);
    assert.deepEqual(await users.verify(r.body['token'] as string), { username: 'admin', role: 'admin' });
    await gw.stop();
  });

  it('answers typed problem+json errors for bad credentials and malformed bodies', async () => {
    const gw = await startTestGateway();
    const cases: Array<[unknown, string | undefined, number, string]> = [
      [{ username: 'admin', password: 'wrong' }, undefined, 401, 'ROOST_ERR_UNAUTHENTICATED'],
      [{ username: 'nobody', password: 'wrong' }, undefined, 401, 'ROOST_ERR_UNAUTHENTICATED'],
      [{ username: 'admin' }, undefined, 400, 'ROOST_ERR_BAD_REQUEST'],
      [null, '{"username": ', 400, 'ROOST_ERR_BAD_REQUEST'],
      [null, JSON.stringify({ username: 'admin', password: 'x'.repeat(2_000_000) }), 413, 'ROOST_ERR_PAYLOAD_TOO_LARGE'],
    ];
    for (const [body, raw, status, code] of cases) {
      const r = await post(`${gw.httpUrl}/auth/token`, body, raw);
      assert.equal(r.status, status, JSON.stringify(body ?? raw?.slice(0, 40)));
      assert.equal(r.body['code'], code);
      assert.match(r.type, /application\/problem\+json/);
    }
    await gw.stop();
  });

  it('revokes tokens when the password changes or the user is removed, and rejects forged ones', async () => {
    const gw = await startTestGateway();
    const users = new Users(gw.store.db, 3600);
    await users.create('op', 'operator-pass-1', 'operator');
    const { token } = await users.login('op', 'operator-pass-1');
    assert.equal((await users.verify(token)).role, 'operator');
    await users.setPassword('op', 'operator-pass-2');
    await assert.rejects(users.verify(token), /revoked/);
    const fresh = (await users.login('op', 'operator-pass-2')).token;
    const [h, p] = fresh.split('.');
    await assert.rejects(users.verify(`${h}.${p}.AAAA`), /invalid token/);
    users.remove('op');
    await assert.rejects(users.verify(fresh), /revoked/);
    const expired = new Users(gw.store.db, 60, () => Date.now() - 3600_000);
    await assert.rejects(users.verify((await expired.login('admin', TEST_ADMIN_PASSWORD)).token), /invalid token/);
    await gw.stop();
  });
});
