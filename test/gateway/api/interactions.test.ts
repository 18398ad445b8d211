import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Users } from '../../../gateway/auth/users.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway } from '../../helpers/gateway.js';

async function token(url: string, username: string, password: string): Promise<string> {
  const r = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return ((await r.json()) as { token: string }).token;
}

describe('interactions over HTTP', () => {
  it('reads, writes and invokes on an awake device; queues with 202 for a sleeping one; enforces roles', async () => {
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'sleepy', sleepy: true }]);
    const gw = await startTestGateway({ http: { syncWaitMs: 300 } }, { extraBindings: [dev] });
    const users = new Users(gw.store.db, 3600);
    await users.create('viewer1', 'viewer-pass-1', 'viewer');
    const admin = { authorization: `Bearer ${await token(gw.httpUrl as string, 'admin', TEST_ADMIN_PASSWORD)}`, 'content-type': 'application/json' };
    const viewer = { authorization: `Bearer ${await token(gw.httpUrl as string, 'viewer1', 'viewer-pass-1')}`, 'content-type': 'application/json' };
    const lamp = `${gw.httpUrl}/things/${encodeURIComponent('urn:roost:testdev:lamp')}`;
    const sleepy = `${gw.httpUrl}/things/${encodeURIComponent('urn:roost:testdev:sleepy')}`;

    dev.ctx?.reportProperties('urn:roost:testdev:lamp', { temperature: 21.5 });
    assert.equal(await (await fetch(`${lamp}/properties/temperature`, { headers: viewer })).json(), 21.5);
    assert.deepEqual(await (await fetch(`${lamp}/properties`, { headers: viewer })).json(), { temperature: 21.5 });

    const w = await fetch(`${lamp}/properties/brightness`, { method: 'PUT', headers: admin, body: '40' });
    assert.equal(w.status, 204);
    assert.equal(await (await fetch(`${lamp}/properties/brightness`, { headers: viewer })).json(), 40);

    const inv = await fetch(`${lamp}/actions/blink`, { method: 'POST', headers: admin, body: JSON.stringify({ times: 2 }) });
    assert.equal(inv.status, 200);
    assert.match(inv.headers.get('location') ?? '', /^\/actions\/[0-9a-f-]{36}$/);
    assert.deepEqual(await inv.json(), { done: 'blink' });

    const queued = await fetch(`${sleepy}/actions/reset`, { method: 'POST', headers: { authorization: admin.authorization } });
    assert.equal(queued.status, 202);
    const loc = queued.headers.get('location') as string;
    assert.match(loc, /^\/actions\//);
    assert.equal(((await (await fetch(`${gw.httpUrl}${loc}`, { headers: viewer })).json()) as { state: string }).state, 'queued');
    dev.ctx?.awake('urn:roost:testdev:sleepy');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(((await (await fetch(`${gw.httpUrl}${loc}`, { headers: viewer })).json()) as { state: string }).state, 'completed');

    const errors: Array<[string, RequestInit, number, string]> = [
      [`${lamp}/actions/blink`, { method: 'POST', headers: viewer, body: '{"times":1}' }, 403, 'ROOST_ERR_FORBIDDEN'],
      [`${lamp}/properties/brightness`, { method: 'PUT', headers: admin, body: '"high"' }, 400, 'ROOST_ERR_VALUE_INVALID'],
      [`${lamp}/properties/temperature`, { method: 'PUT', headers: admin, body: '3' }, 405, 'ROOST_ERR_METHOD_NOT_ALLOWED'],
      [`${lamp}/actions/fly`, { method: 'POST', headers: admin, body: '{}' }, 404, 'ROOST_ERR_AFFORDANCE_NOT_FOUND'],
      [`${lamp}/actions/blink`, { method: 'POST', headers: admin, body: '{"times":' }, 400, 'ROOST_ERR_BAD_REQUEST'],
      [`${gw.httpUrl}/things/urn%3Anope/properties/x`, { headers: viewer }, 404, 'ROOST_ERR_THING_NOT_FOUND'],
      [`${gw.httpUrl}/actions/nope`, { headers: viewer }, 404, 'ROOST_ERR_ACTION_NOT_FOUND'],
    ];
    for (const [url, init, status, code] of errors) {
      const r = await fetch(url, init);
      assert.equal(r.status, status, `${init.method ?? 'GET'} ${url}`);
      assert.equal(((await r.json()) as { code: string }).code, code);
    }
    await gw.stop();
  });
});
