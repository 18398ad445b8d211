import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { httpsRedirect } from '../../../gateway/tls/https-redirect.js';
import { startTestGateway } from '../../helpers/gateway.js';

/** One plain HTTP request with raw headers (fetch would not send a missing or odd Host header). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, setHost: headers['host'] === undefined ? false : true }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, ...(res.headers.location ? { location: res.headers.location } : {}), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('httpsRedirect', () => {
  let server: Server;
  let port: number;
  let httpsPort: number | null = 8443;

  before(async () => {
    server = createServer(httpsRedirect((req, res) => res.end(`served ${req.url}`), () => httpsPort));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  it('answers 308 to the same path and query on the HTTPS port, at the host the client asked for', async () => {
    assert.deepEqual(await get(port, '/things?offset=2&limit=1', { host: 'roost.local:8080' }), { status: 308, location: 'https://roost.local:8443/things?offset=2&limit=1', body: '' });
    assert.deepEqual(await get(port, '/auth/token', { host: '192.168.1.20:8080' }, 'POST'), { status: 308, location: 'https://192.168.1.20:8443/auth/token', body: '' });
    assert.equal((await get(port, '/', { host: '[fe80::1]:8080' })).location, 'https://[fe80::1]:8443/');
  });

  it('uses the address the client reached when the Host header is not a host name (never echoes it)', async () => {
    assert.equal((await get(port, '/x', { host: 'evil.example/"><' })).location, 'https://127.0.0.1:8443/x');
  });

  it('serves /healthz plainly, and everything while HTTPS does not listen', async () => {
    assert.deepEqual(await get(port, '/healthz?x', { host: 'a' }), { status: 200, body: 'served /healthz?x' });
    httpsPort = null;
    assert.deepEqual(await get(port, '/things', { host: 'a' }), { status: 200, body: 'served /things' });
    httpsPort = 8443;
  });

  it('is what a gateway with tls.enabled and http.redirectToHttps answers on plain HTTP', async () => {
    const gw = await startTestGateway({ tls: { enabled: true, httpsPort: 0 }, http: { redirectToHttps: true } });
    try {
      const plain = Number(new URL(gw.httpUrl!).port);
      const r = await get(plain, '/things', { host: `127.0.0.1:${plain}` });
      assert.equal(r.status, 308);
      assert.equal(r.location, `${gw.httpsUrl}/things`);
      assert.equal((await get(plain, '/healthz', { host: 'x' })).status, 200);
    } finally {
      await gw.stop();
    }
  });
});
