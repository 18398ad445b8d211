import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/gateway.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('roost start on a fresh data dir: the first-start block, HTTPS and MQTTS with its own certificate, CoAP on', () => {
  const dir = tempDir('roost-start-tls-');
  const data = join(dir, 'data');
  let proc: ReturnType<typeof spawn>;
  let out = '';
  let coapPort = 0;
  const field = (label: string): string => {
    const m = new RegExp(`^  ${label}\\s+(.*)$`, 'm').exec(out);
    assert.ok(m, `no '${label}' line in:\n${out}`);
    return m[1]!;
  };

  before(async () => {
    coapPort = await freeUdpPort();
    mkdirSync(join(dir, 'sys'));
    mkdirSync(join(dir, 'dev'));
    const cfg = join(dir, 'roost.yaml');
    writeFileSync(cfg, [
      'http: { host: 127.0.0.1, port: 0 }',
      'mqtt: { host: 127.0.0.1, port: 0, tlsPort: 0 }',
      'tls: { httpsPort: 0 }',
      `detect: { sysDir: ${join(dir, 'sys')}, devDir: ${join(dir, 'dev')} }`,
      'log: { level: warn }',
      `bindings: { coap: { host: 127.0.0.1, port: ${coapPort} } }`,
    ].join('\n'));
    const env = { ...process.env };
    delete env['ROOST_ADMIN_PASSWORD'];
    proc = spawn(process.execPath, ['--import', 'tsx', main, 'start', '--config', cfg, '--data', data], { stdio: ['ignore', 'pipe', 'pipe'], env });
    proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor(() => /=== Roost gateway is running ===[\s\S]*\n {4}ble .*\n/.test(out), 30000, 'first-start block');
  });
  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints URLs, the admin password, the fingerprint and why bindings do not run; the label file has it too', async () => {
    assert.match(field('Web UI, API'), /^https:\/\/127\.0\.0\.1:\d+\/ {3}\(plain: http:\/\/127\.0\.0\.1:\d+\/\)$/);
    assert.match(field('MQTT'), /^mqtts:\/\/127\.0\.0\.1:\d+, mqtt:\/\/127\.0\.0\.1:\d+$/);
    // roost start requires OSCORE of every CoAP device (gateway/config/start-defaults.ts).
    assert.equal(field('CoAP'), `coap://127.0.0.1:${coapPort}/ (security: required)`);
    assert.match(field('Admin'), /^user 'admin', password \S{12,} /);
    assert.match(out, /^ {4}coap {6}running$/m);
    assert.match(out, /^ {4}serial {4}not started: no USB-serial adapter of a known MCU bridge found$/m);
    assert.match(out, /^ {4}zigbee {4}not started: no Zigbee coordinator stick found$/m);
    assert.match(out, /^ {4}ble {7}not started: no Bluetooth controller found$/m);
    const label = join(data, 'first-start.txt');
    assert.equal(statSync(label).mode & 0o777, 0o600);
    assert.ok(readFileSync(label, 'utf8').includes(field('Admin')));
  });

  it('the fingerprint is the certificate\'s (openssl), and curl with the key pinned reaches HTTPS and /gateway/identity', async () => {
    const certFile = join(data, 'tls', 'gateway.crt');
    const fp = field('TLS SHA-256').split(' ')[0]!;
    const { stdout } = await run('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256']);
    assert.equal(stdout.trim().split('=')[1], fp);
    assert.equal(statSync(join(data, 'tls', 'gateway.key')).mode & 0o777, 0o600);
    const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
    const pin = `sha256//${createHash('sha256').update(spki).digest('base64')}`;
    const https = /^(https:\/\/\S+)\//.exec(field('Web UI, API'))![1]!;
    const curl = (...args: string[]) => run('curl', ['-sS', '--max-time', '10', '--cacert', certFile, '--pinnedpubkey', pin, ...args]);
    assert.match((await curl(`${https}/healthz`)).stdout, /"status":"ok"/);
    const password = /password (\S+)/.exec(field('Admin'))![1]!;
    const tok = JSON.parse((await curl('-H', 'content-type: application/json', '-d', JSON.stringify({ username: 'admin', password }), `${https}/auth/token`)).stdout) as { token: string };
    const id = JSON.parse((await curl('-H', `authorization: Bearer ${tok.token}`, `${https}/gateway/identity`)).stdout) as { tls: { sha256: string; source: string } };
    assert.deepEqual(id.tls.sha256, fp);
    assert.equal(id.tls.source, 'self-signed');
    // A wrong pin is refused: the pin is really checked.
    await assert.rejects(run('curl', ['-sS', '--max-time', '10', '--cacert', certFile, '--pinnedpubkey', 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', `${https}/healthz`]));

    // mosquitto_sub over MQTTS with the certificate as its CA file gets a retained TD.
    const mqtts = /mqtts:\/\/127\.0\.0\.1:(\d+)/.exec(field('MQTT'))![1]!;
    const sub = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', mqtts, '--cafile', certFile, '-u', 'admin', '-P', tok.token, '-t', 'things/+/td', '-C', '1', '-W', '10', '-v']);
    assert.match(sub.stdout, /^things\/urn:roost:\S+\/td \{/);
  });

  it('CoAP answers on its port (libcoap client)', async () => {
    const { stdout } = await run('coap-client-notls', ['-m', 'get', '-B', '5', `coap://127.0.0.1:${coapPort}/.well-known/core`]);
    assert.match(stdout, /rt="core\.rd"|<\/rd>/);
  });
});
