/**
 * node-wot over HTTPS: the gateway with TLS on (its own self-signed certificate, plain HTTP off),
 * node-wot's HTTPS client explores the directory, reads a property and invokes an action, trusting
 * exactly the certificate file in the gateway's TLS directory; without it, node-wot refuses.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { TestDeviceBinding } from '../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const run = promisify(execFile);

/** POST JSON over HTTPS trusting one CA (the test's own login; fetch here has no CA option). */
function postTrusting(url: string, ca: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
const consumer = fileURLToPath(new URL('./node-wot-https-consumer.ts', import.meta.url));
const LAMP = 'urn:roost:testdev:lamp';

describe('node-wot consumes the directory over HTTPS with the gateway\'s certificate trusted', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let token: string;
  let certFile: string;

  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }]);
    // node-wot fetches the directory's own TD without credentials (exploreDirectory).
    gw = await startTestGateway({ tls: { enabled: true, httpsPort: 0 }, http: { enabled: false }, auth: { anonymousDirectory: true } }, { extraBindings: [dev] });
    certFile = join(gw.dataDir, 'tls', 'gateway.crt');
    token = (JSON.parse(await postTrusting(`${gw.httpsUrl}/auth/token`, readFileSync(certFile, 'utf8'), { username: 'admin', password: TEST_ADMIN_PASSWORD })) as { token: string }).token;
  });

  after(async () => {
    await gw?.stop();
  });

  const consume = (env: NodeJS.ProcessEnv) => run(process.execPath, ['--import', 'tsx', consumer, JSON.stringify({
    directory: `${gw.httpsUrl}/.well-known/wot`, token, thing: LAMP, property: 'temperature', action: 'blink', input: { times: 2 },
  })], { env, timeout: 60_000 });

  it('the certificate file is the one the gateway serves (its fingerprint is GET /gateway/identity\'s)', () => {
    const der = new X509Certificate(readFileSync(certFile)).raw;
    const sha = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
    assert.equal(gw.admin.tls?.identity().sha256, sha);
    assert.match(gw.httpsUrl!, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('explores the directory, reads a property and invokes an action over HTTPS', async () => {
    dev.ctx?.reportProperties(LAMP, { temperature: 23.5 });
    const { stdout } = await consume({ ...process.env, NODE_EXTRA_CA_CERTS: certFile });
    const r = JSON.parse(stdout) as { things: string[]; property: unknown; output: unknown };
    assert.ok(r.things.includes(LAMP), stdout);
    assert.equal(r.property, 23.5);
    assert.deepEqual(r.output, { done: 'blink' });
    assert.equal(dev.delivered.filter((i) => i.kind === 'action' && i.name === 'blink').length, 1);
  });

  it('without the gateway\'s certificate node-wot refuses the connection (verification is on)', async () => {
    const env = { ...process.env };
    delete env['NODE_EXTRA_CA_CERTS'];
    await assert.rejects(consume(env), (err: Error & { stderr?: string }) => /self[- ]signed|unable to verify|certificate/i.test(`${err.message}${err.stderr ?? ''}`));
  });
});
