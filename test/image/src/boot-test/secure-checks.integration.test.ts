import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CoapBinding } from '../../../../bindings/coap/coap-binding.js';
import { makeSelfSigned } from '../../../../gateway/tls/self-signed.js';
import { checkGateway, SYSTEM_THING_ID } from '../../../../image/src/boot-test/gateway-checks.js';
import { checkCoap, checkHttps, pinnedFetch, presentedCertificate } from '../../../../image/src/boot-test/secure-checks.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../../helpers/gateway.js';

// The HTTPS and CoAP checks the image boot test runs, against a real gateway on this machine.
let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({ tls: { enabled: true, httpsPort: 0 }, http: { redirectToHttps: true }, mqtt: { enabled: false }, bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, security: 'required' } } });
});
after(async () => {
  await gw.stop();
});

test('HTTPS: the presented certificate is pinned, a login trusts only it, /gateway/identity names it', async () => {
  const r = await checkHttps(gw.httpsUrl!, 'admin', TEST_ADMIN_PASSWORD);
  assert.equal(r.sha256, gw.admin.tls!.identity().sha256);
  assert.equal((await checkHttps(gw.httpsUrl!, 'admin', TEST_ADMIN_PASSWORD, r.sha256)).sha256, r.sha256);
});

test('HTTPS: another fingerprint on the label, or a wrong password, fails the check', async () => {
  const other = (await presentedCertificate(gw.httpsUrl!)).sha256.replace(/^../, '00');
  await assert.rejects(checkHttps(gw.httpsUrl!, 'admin', TEST_ADMIN_PASSWORD, other), /the label says/);
  await assert.rejects(checkHttps(gw.httpsUrl!, 'admin', 'not-the-password'), /auth\/token: HTTP 401/);
});

test('CoAP: libcoap finds the resource directory in /.well-known/core (plain, allowed under security required)', async () => {
  const port = (gw.binding('coap') as CoapBinding).listening!.port;
  assert.match(await checkCoap('127.0.0.1', port, 5), /<\/rd>/);
  await assert.rejects(checkCoap('127.0.0.1', port === 65535 ? 65534 : port + 1, 1), /no resource directory|failed/);
});

test('the boot test\'s gateway check with secure targets: the directory over pinned HTTPS, then TLS identity and CoAP', async () => {
  const port = (gw.binding('coap') as CoapBinding).listening!.port;
  const r = await checkGateway(gw.httpUrl!, 'admin', TEST_ADMIN_PASSWORD, 10_000, { httpsUrl: gw.httpsUrl!, coap: { host: '127.0.0.1', port }, labelSha256: gw.admin.tls!.identity().sha256 });
  assert.ok(r.thingIds.includes(SYSTEM_THING_ID));
  assert.equal(r.tlsSha256, gw.admin.tls!.identity().sha256);
  assert.match(r.coapCore!, /<\/rd>/);
});

test('without secure targets the check stops at the redirect instead of following it to this machine\'s port', async () => {
  await assert.rejects(checkGateway(gw.httpUrl!, 'admin', TEST_ADMIN_PASSWORD, 10_000), /HTTP 308 to https:\/\/.*plain HTTP redirects to HTTPS/);
});

test('pinnedFetch: fetch-shaped requests over HTTPS trusting exactly the presented certificate', async () => {
  const f = pinnedFetch((await presentedCertificate(gw.httpsUrl!)).pem);
  const login = await f(`${gw.httpsUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
  assert.equal(login.status, 200);
  const { token } = await login.json() as { token: string };
  const users = await f(`${gw.httpsUrl}/users`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(users.status, 200);
  assert.ok((await users.json() as Array<{ username: string }>).some((u) => u.username === 'admin'));
  const streamed = await f(`${gw.httpsUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Blob([JSON.stringify({ username: 'admin', password: 'wrong-password' })]).stream(), duplex: 'half' } as RequestInit);
  assert.equal(streamed.status, 401);
  // Another certificate for the same names is not trusted.
  const other = pinnedFetch((await makeSelfSigned('other', { dns: ['localhost'], ip: ['127.0.0.1'] }, 1)).certPem);
  await assert.rejects(other(`${gw.httpsUrl}/healthz`), /self[- ]signed|unable to verify|certificate/i);
});
