/**
 * Issue 3, item 6: each kind of bad input over HTTP gets its typed error with the stable code
 * and the status docs/errors.md gives, and nothing already accepted is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ERROR_TABLE } from '../../../protocols/errors.js';
import { ApiClient, codeOf, type ApiAnswer } from '../../helpers/api-client.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

function expectError(a: ApiAnswer, key: keyof typeof ERROR_TABLE, what: string): void {
  const row = ERROR_TABLE[key];
  assert.equal(a.status, row.http, `${what}: status (${JSON.stringify(a.body)})`);
  assert.equal(codeOf(a), row.code, what);
  assert.match(a.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
}

describe('bad input over HTTP', () => {
  let gw: TestGateway;
  let admin: ApiClient;
  let dev: TestDeviceBinding;
  let lamp: string;
  let sleepy: string;
  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'sleepy', sleepy: true }]);
    gw = await startTestGateway({ http: { maxBodyBytes: 2048, syncWaitMs: 100 }, queue: { maxItemsPerThing: 2 } }, { extraBindings: [dev] });
    admin = await ApiClient.login(gw.httpUrl!);
    lamp = `/things/${encodeURIComponent(dev.thingId('lamp'))}`;
    sleepy = `/things/${encodeURIComponent(dev.thingId('sleepy'))}`;
  });
  after(() => gw.stop());

  it('malformed JSON, unknown thing or affordance, wrong value type, read-only property, oversized body', async () => {
    expectError(await admin.send('PUT', `${lamp}/properties/brightness`, '{"value": 4'), 'BAD_REQUEST', 'malformed JSON');
    expectError(await admin.send('PUT', `/things/urn:nope/properties/brightness`, 5), 'THING_NOT_FOUND', 'unknown thing');
    expectError(await admin.send('POST', `${lamp}/actions/explode`, {}), 'AFFORDANCE_NOT_FOUND', 'unknown action');
    expectError(await admin.get(`${lamp}/properties/colour`), 'AFFORDANCE_NOT_FOUND', 'unknown property');
    expectError(await admin.send('PUT', `${lamp}/properties/brightness`, JSON.stringify('bright')), 'VALUE_INVALID', 'string for an integer');
    expectError(await admin.send('PUT', `${lamp}/properties/brightness`, 101), 'VALUE_INVALID', 'over the maximum');
    expectError(await admin.send('POST', `${lamp}/actions/blink`, { times: 'twice' }), 'VALUE_INVALID', 'bad action input');
    expectError(await admin.send('PUT', `${lamp}/properties/temperature`, 20), 'METHOD_NOT_ALLOWED', 'read-only property');
    expectError(await admin.send('POST', `${lamp}/actions/blink`, { times: 1, pad: 'x'.repeat(4096) }), 'PAYLOAD_TOO_LARGE', 'oversized body');
    assert.equal(dev.delivered.length, 0, 'nothing bad reached the device');
  });

  it('missing, forged, expired and revoked tokens', async () => {
    const anonymous = new ApiClient(gw.httpUrl!);
    expectError(await anonymous.get(`${lamp}/properties`), 'UNAUTHENTICATED', 'no token');
    const secretHex = gw.store.db.prepare("SELECT value FROM meta WHERE key = 'jwt_secret'").pluck().get() as string;
    const now = Math.floor(Date.now() / 1000);
    const pwd = gw.store.db.prepare("SELECT password_changed_at FROM users WHERE username = 'admin'").pluck().get() as number;
    const sign = (secret: Uint8Array, exp: number) => new SignJWT({ role: 'admin', pwd }).setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin').setIssuedAt(now - 7200).setExpirationTime(exp).sign(secret);
    const forged = await sign(new Uint8Array(32).fill(7), now + 3600);
    const expired = await sign(Buffer.from(secretHex, 'hex'), now - 60);
    const valid = await sign(Buffer.from(secretHex, 'hex'), now + 3600);
    expectError(await new ApiClient(gw.httpUrl!, forged).get('/things'), 'UNAUTHENTICATED', 'forged token');
    expectError(await new ApiClient(gw.httpUrl!, expired).get('/things'), 'UNAUTHENTICATED', 'expired token');
    assert.equal((await new ApiClient(gw.httpUrl!, valid).get('/things')).status, 200, 'the same token, signed right and in date, works');
    const noneAlg = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'admin', role: 'admin', pwd, exp: now + 3600 })).toString('base64url')}.`;
    expectError(await new ApiClient(gw.httpUrl!, noneAlg).get('/things'), 'UNAUTHENTICATED', 'alg none');

    await admin.send('POST', '/users', { username: 'temp', password: 'temp-password-1', role: 'operator' });
    const temp = await ApiClient.login(gw.httpUrl!, 'temp', 'temp-password-1');
    await admin.send('DELETE', '/users/temp');
    expectError(await temp.get('/things'), 'UNAUTHENTICATED', 'token of a removed user');
    expectError(await anonymous.send('POST', '/auth/token', { username: 'admin', password: 'wrong-password' }), 'UNAUTHENTICATED', 'wrong password');
    expectError(await anonymous.send('POST', '/auth/token', { username: 'nobody', password: 'wrong-password' }), 'UNAUTHENTICATED', 'unknown user');
  });

  it('a viewer invoking an action or writing a property', async () => {
    await admin.send('POST', '/users', { username: 'watcher', password: 'viewer-pass-1', role: 'viewer' });
    const viewer = await ApiClient.login(gw.httpUrl!, 'watcher', 'viewer-pass-1');
    expectError(await viewer.send('POST', `${lamp}/actions/blink`, { times: 1 }), 'FORBIDDEN', 'viewer invokes');
    expectError(await viewer.send('PUT', `${lamp}/properties/brightness`, 5), 'FORBIDDEN', 'viewer writes');
    assert.equal((await viewer.get(`${lamp}/properties`)).status, 200, 'a viewer reads');
  });

  it('a full queue refuses the next action and keeps the ones it holds', async () => {
    const first = await admin.send<{ id: string }>('POST', `${sleepy}/actions/blink`, { times: 1 });
    const second = await admin.send<{ id: string }>('POST', `${sleepy}/actions/blink`, { times: 2 });
    assert.deepEqual([first.status, second.status], [202, 202]);
    expectError(await admin.send('POST', `${sleepy}/actions/blink`, { times: 3 }), 'QUEUE_FULL', 'third in a queue of two');
    for (const q of [first, second]) { const s = await admin.get<{ state: string }>(`/actions/${q.body.id}`); assert.equal(s.body.state, 'queued', JSON.stringify(s.body)); }
  });
});

describe('password guessing over HTTP', () => {
  it('answers 429 with Retry-After after five wrong passwords, and still lets others in', async () => {
    const gw = await startTestGateway();
    try {
      const anonymous = new ApiClient(gw.httpUrl!);
      for (let i = 0; i < 5; i++) {
        expectError(await anonymous.send('POST', '/auth/token', { username: 'admin', password: `guess-${i}-xx` }), 'UNAUTHENTICATED', `guess ${i}`);
      }
      const limited = await anonymous.send('POST', '/auth/token', { username: 'admin', password: 'test-admin-password-1' });
      expectError(limited, 'RATE_LIMITED', 'sixth attempt, even with the right password');
      assert.equal(limited.headers.get('retry-after'), '1');
      expectError(await anonymous.send('POST', '/auth/token', { username: 'other', password: 'guess-xx-xx' }), 'UNAUTHENTICATED', 'another username is checked');
    } finally {
      await gw.stop();
    }
  });
});
