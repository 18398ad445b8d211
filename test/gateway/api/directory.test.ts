import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertValidTd } from '../../../gateway/td/td-validator.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway } from '../../helpers/gateway.js';

describe('GET /things', () => {
  it('lists consumer TDs with pagination, serves one by id, and validates every TD it serves', async () => {
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 'a', sleepy: false }, { deviceId: 'b', sleepy: true }]);
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    const login = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const page1 = await fetch(`${gw.httpUrl}/things?limit=2`, { headers: auth });
    assert.equal(page1.status, 200);
    assert.match(page1.headers.get('link') ?? '', /<\/things\?offset=2&limit=2>; rel="next"/);
    const tds = (await page1.json()) as Array<Record<string, unknown>>;
    assert.deepEqual(tds.map((t) => t['id']), ['urn:roost:system:gateway', 'urn:roost:testdev:a']);
    const page2 = (await (await fetch(`${gw.httpUrl}/things?offset=2&limit=2`, { headers: auth })).json()) as Array<Record<string, unknown>>;
    assert.deepEqual(page2.map((t) => t['id']), ['urn:roost:testdev:b']);
    for (const td of [...tds, ...page2]) assertValidTd(td);
    const one = await fetch(`${gw.httpUrl}/things/${encodeURIComponent('urn:roost:testdev:a')}`, { headers: auth });
    assert.equal(one.status, 200);
    assert.match(one.headers.get('content-type') ?? '', /application\/td\+json/);
    assert.equal(((await one.json()) as Record<string, unknown>)['id'], 'urn:roost:testdev:a');
    const missing = await fetch(`${gw.httpUrl}/things/urn:nope`, { headers: auth });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as Record<string, unknown>)['code'], 'ROOST_ERR_THING_NOT_FOUND');
    assert.equal((await fetch(`${gw.httpUrl}/things?limit=0`, { headers: auth })).status, 400);
    await gw.stop();
  });

  it('refuses requests without a valid token', async () => {
    const gw = await startTestGateway();
    const cases: Array<Record<string, string>> = [{}, { authorization: 'Bearer nonsense' }, { authorization: 'Basic YWRtaW46eA==' }];
    for (const headers of cases) {
      const r = await fetch(`${gw.httpUrl}/things`, { headers });
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as Record<string, unknown>)['code'], 'ROOST_ERR_UNAUTHENTICATED');
    }
    await gw.stop();
  });

  it('serves the listing anonymously only when the config says so', async () => {
    const gw = await startTestGateway({ auth: { anonymousDirectory: true } });
    assert.equal((await fetch(`${gw.httpUrl}/things`)).status, 200);
    await gw.stop();
  });
});
