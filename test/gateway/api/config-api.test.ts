import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, tempDir, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

describe('GET/PATCH /config', () => {
  const dataDir = tempDir();
  let gw: TestGateway;
  let admin: string;
  let viewer: string;

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${gw.httpUrl}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/merge-patch+json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const login = async (username: string, password: string) => {
    const res = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    return ((await res.json()) as { token: string }).token;
  };

  before(async () => {
    gw = await startTestGateway({ uplink: { password: 'upstream-secret' } }, { dataDir });
    admin = await login('admin', TEST_ADMIN_PASSWORD);
    assert.equal((await call('POST', '/users', admin, { username: 'vera', password: 'viewer-password-1', role: 'viewer' })).status, 201);
    viewer = await login('vera', 'viewer-password-1');
  });
  after(async () => {
    await gw?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('admins only; secrets are write-only', async () => {
    assert.equal((await call('GET', '/config', viewer)).status, 403);
    assert.equal((await call('PATCH', '/config', viewer, { log: { level: 'info' } })).status, 403);
    const { status, body } = await call('GET', '/config', admin);
    assert.equal(status, 200);
    assert.equal((body['http'] as { host: string }).host, '127.0.0.1');
    assert.equal((body['auth'] as Record<string, unknown>)['adminPassword'], undefined);
    assert.equal((body['uplink'] as Record<string, unknown>)['password'], undefined);
    assert.ok(!JSON.stringify(body).includes('upstream-secret'));
  });

  it('GET /config/schema: admins only; the config file\'s schema and each binding\'s, secrets marked writeOnly', async () => {
    assert.equal((await call('GET', '/config/schema', viewer)).status, 403);
    const { status, body } = await call('GET', '/config/schema', admin);
    assert.equal(status, 200);
    type S = { properties: Record<string, S & { writeOnly?: boolean }>; items: S; required: string[] };
    const config = body['config'] as S;
    const bindings = body['bindings'] as Record<string, S>;
    assert.deepEqual(Object.keys(bindings).sort(), ['agent', 'ble', 'coap', 'ingest', 'serial', 'zigbee']);
    assert.equal(config.properties['auth']!.properties['adminPassword']!.writeOnly, true);
    assert.equal(config.properties['auth']!.properties['adminUser']!.writeOnly, undefined);
    assert.equal(config.properties['uplink']!.properties['password']!.writeOnly, true);
    assert.deepEqual(bindings['serial']!.properties['ports']!.items.required, ['path']);
    assert.equal(bindings['zigbee']!.properties['port']!.writeOnly, undefined);
  });

  it('an invalid patch is a 400 with the schema error and changes nothing', async () => {
    const r = await call('PATCH', '/config', admin, { http: { port: 'eighty' } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body['code'], 'ROOST_ERR_BAD_REQUEST');
    assert.match(String(r.body['title']), /\/http\/port: must be integer/);
    const bad = await call('PATCH', '/config', admin, { bindings: { coap: { enabled: true, port: -1 } } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.match(String(bad.body['title']), /\/bindings\/coap\/port/);
    assert.equal(gw.binding('coap'), undefined);
    assert.equal(existsSync(join(dataDir, 'config-changes.json')), false);
  });

  it('enables a binding live, restarts it with new options, disables it; other sections wait for a restart', async () => {
    const on = await call('PATCH', '/config', admin, { bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0 } } });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.deepEqual(on.body['applied'], ['bindings.coap']);
    assert.equal((on.body['bindings'] as Record<string, { state: string }>)['coap']!.state, 'running');
    const first = gw.binding('coap');
    assert.ok(first);
    const again = await call('PATCH', '/config', admin, { bindings: { coap: { maxRetransmit: 2 } } });
    assert.equal((again.body['bindings'] as Record<string, { state: string }>)['coap']!.state, 'running');
    assert.notEqual(gw.binding('coap'), first, 'a new instance with the new options');
    const later = await call('PATCH', '/config', admin, { http: { syncWaitMs: 10 }, log: { level: 'debug' }, uplink: { prefix: 'site-7' } });
    assert.deepEqual(later.body['applied'], ['log']);
    assert.deepEqual(later.body['restartRequired'], ['http', 'uplink']);
    const get = await call('GET', '/config', admin);
    assert.equal(get.headers.get('roost-restart-required'), 'http, uplink');
    assert.equal((get.body['uplink'] as { prefix: string }).prefix, 'site-7');
    assert.equal((get.body['http'] as { syncWaitMs: number }).syncWaitMs, 10);
    const off = await call('PATCH', '/config', admin, { bindings: { coap: { enabled: false } } });
    assert.equal((off.body['bindings'] as Record<string, { state: string; detail: string }>)['coap']!.state, 'stopped');
    assert.equal(gw.binding('coap'), undefined);
  });

  it('the changes are saved in the data dir and applied at the next start', async () => {
    const saved = JSON.parse(readFileSync(join(dataDir, 'config-changes.json'), 'utf8')) as { bindings: { coap: { enabled: boolean; maxRetransmit: number } } };
    assert.deepEqual(saved.bindings.coap, { enabled: false, host: '127.0.0.1', port: 0, maxRetransmit: 2 });
    await call('PATCH', '/config', admin, { bindings: { coap: { enabled: true } } });
    await gw.stop();
    gw = await startTestGateway({}, { dataDir });
    assert.equal(gw.config.http.syncWaitMs, 10);
    assert.equal(gw.binding('coap')?.status().state, 'running');
  });
});
