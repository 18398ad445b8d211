/**
 * Every HTTP error is typed problem+json, also where fastify or Node's parser answer before a
 * route runs: a malformed percent-escape, an over-long path segment, a request line over 16 KB,
 * and JSON nested deep enough to overflow the stack of whatever walks it (http.maxJsonDepth).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { jsonDeeperThan } from '../../../gateway/api/json-depth.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { injectRig, type InjectRig } from './inject-rig.js';

const LAMP = `/things/${encodeURIComponent('urn:roost:testdev:lamp')}`;
const TD = (id: string) => ({
  '@context': 'https://www.w3.org/2022/wot/td/v1.1', id, title: 'Clock',
  securityDefinitions: { nosec: { scheme: 'nosec' } }, security: 'nosec',
});
/** `{"a":{"a":...1...}}`, `levels` objects deep. */
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

function assertProblem(r: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string): void {
  assert.equal(r.statusCode, status, JSON.stringify(r.json()));
  assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  assert.equal((r.json() as { code: string }).code, code);
}

describe('typed errors at the edges of the HTTP API', () => {
  let rig: InjectRig;
  before(async () => {
    rig = await injectRig([new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }])]);
  });
  after(async () => rig.close());

  it('measures JSON nesting on the text, skipping brackets inside strings', () => {
    assert.equal(jsonDeeperThan('[[1]]', 2), false);
    assert.equal(jsonDeeperThan('[[[1]]]', 2), true);
    assert.equal(jsonDeeperThan('{"a":[{"b":"[[[[\\"[["}]}', 3), false);
    assert.equal(jsonDeeperThan('["\\\\", [[1]]]', 2), true, 'an escaped backslash ends before the quote');
    assert.equal(jsonDeeperThan(deepObject(64), 64), false);
    assert.equal(jsonDeeperThan(deepObject(65), 64), true);
  });

  it('JSON nested 5,000 levels deep is a 400 on every JSON body, not a 500', async () => {
    const deep = deepObject(5000);
    const cases: Array<[string, string, string]> = [
      ['PUT', '/things/urn:example:deep', 'application/td+json'],
      ['PATCH', '/things/urn:example:deep', 'application/merge-patch+json'],
      ['POST', `${LAMP}/actions/blink`, 'application/json'],
      ['PUT', `${LAMP}/properties/brightness`, 'application/json'],
      ['POST', '/things', 'application/ld+json'],
    ];
    for (const [method, url, type] of cases) {
      const r = await rig.request({ method: method as 'PUT', url, payload: deep, headers: { 'content-type': type } });
      assertProblem(r, 400, 'ROOST_ERR_BAD_REQUEST');
      assert.match((r.json() as { title: string }).title, /nested deeper than 64/, `${method} ${url}`);
    }
    // Within the limit the body is read as before (here: a schema mismatch, not a parse error).
    const ok = await rig.request({ method: 'PUT', url: `${LAMP}/properties/brightness`, payload: deepObject(64), headers: { 'content-type': 'application/json' } });
    assertProblem(ok, 400, 'ROOST_ERR_VALUE_INVALID');
  });

  it('a malformed percent-escape in the path is a 400 problem', async () => {
    assertProblem(await rig.request({ url: '/things/%ZZ' }), 400, 'ROOST_ERR_BAD_REQUEST');
    assertProblem(await rig.request({ url: `${LAMP}/properties/%E0%A4%A` }), 400, 'ROOST_ERR_BAD_REQUEST');
  });

  it('thing ids longer than 100 characters work; a path segment over 4096 is a 414 problem', async () => {
    const id = `urn:example:${'x'.repeat(300)}`;
    const put = await rig.request({ method: 'PUT', url: `/things/${encodeURIComponent(id)}`, payload: TD(id), headers: { 'content-type': 'application/td+json' } });
    assert.equal(put.statusCode, 201, put.body);
    const got = await rig.request({ url: `/things/${encodeURIComponent(id)}` });
    assert.equal(got.statusCode, 200);
    assert.equal((got.json() as { id: string }).id, id);
    assertProblem(await rig.request({ url: `/things/urn:example:${'y'.repeat(5000)}` }), 414, 'ROOST_ERR_URI_TOO_LONG');
  });

  it('a request line over 16 KB is a 431 problem from the server itself', async () => {
    await rig.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = rig.app.server.address() as { port: number };
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d: Buffer) => { got += d.toString(); });
      s.on('close', () => resolve(got));
      s.on('error', (err) => (got ? resolve(got) : reject(err)));
      s.write(`GET /things/${'z'.repeat(17 * 1024)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    });
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 431 /);
    assert.match(head, /content-type: application\/problem\+json/i);
    const p = JSON.parse(body) as { code: string; status: number };
    assert.deepEqual([p.code, p.status], ['ROOST_ERR_HEADERS_TOO_LARGE', 431]);
  });
});
