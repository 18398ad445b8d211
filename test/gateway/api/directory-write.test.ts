import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, codeOf } from '../../helpers/api-client.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

const TD = 'application/td+json';
const lampTd = (title: string) => ({
  '@context': 'https://www.w3.org/2022/wot/td/v1.1',
  title,
  securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
  security: 'nosec_sc',
  properties: { on: { type: 'boolean', forms: [{ href: 'http://lamp.example/on' }] } },
});

describe('directory API: registering TDs', () => {
  let gw: TestGateway;
  let admin: ApiClient;
  before(async () => {
    gw = await startTestGateway({}, { extraBindings: [new TestDeviceBinding('testdev', [{ deviceId: 'a', sleepy: false }])] });
    admin = await ApiClient.login(gw.httpUrl!);
  });
  after(() => gw.stop());

  it('PUT creates (201) then replaces (204); PATCH merges (204); DELETE removes (204)', async () => {
    const path = `/things/${encodeURIComponent('urn:example:lamp')}`;
    const created = await admin.send('PUT', path, lampTd('Lamp'), TD);
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), path);
    assert.equal((await admin.send('PUT', path, lampTd('Lamp 2'), TD)).status, 204);
    const got = await admin.get<Record<string, unknown>>(path);
    assert.equal(got.body['title'], 'Lamp 2');
    assert.equal(got.body['id'], 'urn:example:lamp');
    // The TD is served as registered: its forms point at the device, not at the hub.
    assert.deepEqual((got.body['properties'] as { on: { forms: unknown } }).on.forms, [{ href: 'http://lamp.example/on' }]);

    const patched = await admin.send('PATCH', path, { description: 'by the door', title: 'Door lamp' }, 'application/merge-patch+json');
    assert.equal(patched.status, 204);
    const after = (await admin.get<Record<string, unknown>>(path)).body;
    assert.equal(after['title'], 'Door lamp');
    assert.equal(after['description'], 'by the door');

    assert.equal((await admin.send('DELETE', path)).status, 204);
    assert.equal(codeOf(await admin.get(path)), 'ROOST_ERR_THING_NOT_FOUND');
  });

  it('POST registers an anonymous TD under a urn:uuid id', async () => {
    const r = await admin.send('POST', '/things', lampTd('Anonymous lamp'), TD);
    assert.equal(r.status, 201);
    const location = r.headers.get('location') ?? '';
    assert.match(decodeURIComponent(location), /^\/things\/urn:uuid:[0-9a-f-]{36}$/);
    assert.equal((await admin.get<{ title: string }>(location)).body.title, 'Anonymous lamp');
    assert.equal((await admin.send('DELETE', location)).status, 204);
  });

  it('serves its own directory TD at /.well-known/wot, listing itself as a ThingDirectory', async () => {
    const r = await admin.get<Record<string, unknown>>('/.well-known/wot');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/td\+json/);
    assert.equal(r.body['@type'], 'discovery:ThingDirectory');
    assert.equal((r.body['base'] as string), gw.httpUrl);
    assert.equal(codeOf(await new ApiClient(gw.httpUrl!).get('/.well-known/wot')), 'ROOST_ERR_UNAUTHENTICATED');
  });

  it('refuses bad registrations with typed errors and leaves binding things alone', async () => {
    const bindingThing = `/things/${encodeURIComponent('urn:roost:testdev:a')}`;
    const cases: Array<[string, string, unknown, string, string]> = [
      ['PUT', '/things/urn:example:x', '{"title":', TD, 'ROOST_ERR_BAD_REQUEST'],
      ['PUT', '/things/urn:example:x', { title: 'no security' }, TD, 'ROOST_ERR_TD_INVALID'],
      ['PUT', '/things/urn:example:x', { ...lampTd('x'), id: 'urn:example:other' }, TD, 'ROOST_ERR_BAD_REQUEST'],
      ['PUT', '/things/urn:example:x', lampTd('x'), 'text/plain', 'ROOST_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['POST', '/things', { ...lampTd('x'), id: 'urn:example:y' }, TD, 'ROOST_ERR_BAD_REQUEST'],
      ['PUT', bindingThing, lampTd('hijack'), TD, 'ROOST_ERR_METHOD_NOT_ALLOWED'],
      ['PATCH', bindingThing, { title: 'hijack' }, 'application/merge-patch+json', 'ROOST_ERR_METHOD_NOT_ALLOWED'],
      ['PATCH', '/things/urn:example:none', { title: 'x' }, 'application/merge-patch+json', 'ROOST_ERR_THING_NOT_FOUND'],
      ['DELETE', '/things/urn:example:none', undefined, TD, 'ROOST_ERR_THING_NOT_FOUND'],
      ['GET', '/nowhere', undefined, TD, 'ROOST_ERR_ROUTE_NOT_FOUND'],
    ];
    for (const [method, path, body, type, code] of cases) {
      const a = await admin.send(method, path, body, type);
      assert.equal(codeOf(a), code, `${method} ${path}: ${JSON.stringify(a.body)}`);
      assert.match(a.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    assert.equal((await admin.get<{ title: string }>(bindingThing)).status, 200);
  });

  it('lets a viewer read but not register', async () => {
    await admin.send('POST', '/users', { username: 'eve', password: 'viewer-pass-1', role: 'viewer' });
    const viewer = await ApiClient.login(gw.httpUrl!, 'eve', 'viewer-pass-1');
    assert.equal((await viewer.get('/things')).status, 200);
    assert.equal(codeOf(await viewer.send('POST', '/things', lampTd('x'), TD)), 'ROOST_ERR_FORBIDDEN');
    assert.equal(codeOf(await viewer.send('DELETE', `/things/${encodeURIComponent('urn:roost:testdev:a')}`)), 'ROOST_ERR_FORBIDDEN');
  });
});
