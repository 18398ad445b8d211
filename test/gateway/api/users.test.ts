import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, codeOf } from '../../helpers/api-client.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

describe('user management over HTTP', () => {
  let gw: TestGateway;
  let admin: ApiClient;
  before(async () => {
    gw = await startTestGateway();
    admin = await ApiClient.login(gw.httpUrl!);
  });
  after(() => gw.stop());

  it('an admin creates, lists, changes and removes users; tokens die with a password change or removal', async () => {
    const created = await admin.send('POST', '/users', { username: 'ops', password: 'ops-password-1', role: 'operator' });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), '/users/ops');
    assert.equal((created.body as { role: string }).role, 'operator');
    assert.equal(JSON.stringify(created.body).includes('hash'), false);

    const list = await admin.get<Array<{ username: string }>>('/users');
    assert.deepEqual(list.body.map((u) => u.username), ['admin', 'ops']);

    const ops = await ApiClient.login(gw.httpUrl!, 'ops', 'ops-password-1');
    assert.equal((await ops.get('/users/ops')).status, 200);
    assert.equal(codeOf(await ops.get('/users/admin')), 'ROOST_ERR_FORBIDDEN');
    assert.equal(codeOf(await ops.get('/users')), 'ROOST_ERR_FORBIDDEN');
    assert.equal(codeOf(await ops.send('PATCH', '/users/ops', { role: 'admin' })), 'ROOST_ERR_FORBIDDEN');

    // Own password change: the old token stops working, the new password logs in.
    assert.equal((await ops.send('PATCH', '/users/ops', { password: 'ops-password-2' })).status, 204);
    assert.equal(codeOf(await ops.get('/users/ops')), 'ROOST_ERR_UNAUTHENTICATED');
    const ops2 = await ApiClient.login(gw.httpUrl!, 'ops', 'ops-password-2');

    assert.equal((await admin.send('PATCH', '/users/ops', { role: 'viewer' })).status, 204);
    assert.equal((await admin.get<{ role: string }>('/users/ops')).body.role, 'viewer');
    // The role counts at once, even on a token issued before the change.
    assert.equal(codeOf(await ops2.send('POST', '/things', { title: 'x', securityDefinitions: { n: { scheme: 'nosec' } }, security: 'n' }, 'application/td+json')), 'ROOST_ERR_FORBIDDEN');

    assert.equal((await admin.send('DELETE', '/users/ops')).status, 204);
    assert.equal(codeOf(await ops2.get('/users/ops')), 'ROOST_ERR_UNAUTHENTICATED');
    assert.equal(codeOf(await admin.get('/users/ops')), 'ROOST_ERR_USER_NOT_FOUND');
  });

  it('refuses bad input with typed errors', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/users', { username: 'admin', password: 'another-pass-1', role: 'viewer' }, 'ROOST_ERR_CONFLICT'],
      ['POST', '/users', { username: 'bad name', password: 'another-pass-1', role: 'viewer' }, 'ROOST_ERR_BAD_REQUEST'],
      ['POST', '/users', { username: 'short', password: 'x', role: 'viewer' }, 'ROOST_ERR_BAD_REQUEST'],
      ['POST', '/users', { username: 'r', password: 'another-pass-1', role: 'root' }, 'ROOST_ERR_BAD_REQUEST'],
      ['PATCH', '/users/admin', { role: 'viewer' }, 'ROOST_ERR_CONFLICT'],
      ['DELETE', '/users/admin', undefined, 'ROOST_ERR_CONFLICT'],
      ['PATCH', '/users/nobody', { password: 'another-pass-1' }, 'ROOST_ERR_USER_NOT_FOUND'],
      ['PATCH', '/users/admin', {}, 'ROOST_ERR_BAD_REQUEST'],
    ];
    for (const [method, path, body, code] of cases) {
      const a = await admin.send(method, path, body);
      assert.equal(codeOf(a), code, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(a.body)}`);
    }
  });
});
