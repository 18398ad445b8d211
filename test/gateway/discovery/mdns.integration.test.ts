/**
 * DNS-SD over mDNS, seen by an independent client: `roost start` (which turns mDNS on) in one
 * network namespace, avahi-daemon and avahi-browse in another, joined by a veth pair; nothing
 * reaches the machine's LAN. Services follow PATCH /config and say goodbye when the gateway stops.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../helpers/gateway.js';
import { NetnsPair } from '../../helpers/netns.js';
import { startRoostInNetns, type RoostInNetns } from '../../helpers/netns-roost.js';
import { Avahi, type Browsed } from './avahi.js';

const NAME = 'Roost netns test';
const PASSWORD = 'mdns-test-password';

describe('DNS-SD over mDNS (avahi-browse in a private network)', { timeout: 240_000 }, () => {
  const dir = tempDir('roost-mdns-');
  let pair: NetnsPair;
  let avahi: Avahi;
  let gw: RoostInNetns;
  // Browsed over IPv4, avahi may still resolve the host to its IPv6 link-local address (seen once in
  // CI: fe80::...); such an answer is skipped and browsing goes on until the A record's comes.
  const mine = (found: Browsed[]) => found.filter((b) => b.name === NAME && b.proto === 'IPv4' && !b.address.includes(':'));

  before(async () => {
    pair = await NetnsPair.create();
    mkdirSync(join(dir, 'avahi'));
    avahi = await Avahi.start(pair, pair.b, join(dir, 'avahi'));
    gw = await startRoostInNetns(pair, pair.a, dir, [
      'http: { port: 0 }',
      'mqtt: { port: 0, tlsPort: 0 }',
      'tls: { httpsPort: 0 }',
      'detect: { enabled: false }',
      `auth: { adminPassword: ${PASSWORD} }`,
      `discovery: { instanceName: ${NAME} }`,
      'bindings: { coap: { port: 0, security: none, multicast: false } }',
    ]);
  });

  after(async () => {
    await gw?.stop();
    await avahi?.stop();
    await pair?.close();
  });

  /** curl from the other namespace, trusting the gateway's own certificate. */
  async function api(method: string, path: string, body?: unknown, token?: string): Promise<unknown> {
    const args = ['-sS', '--fail-with-body', '--cacert', join(dir, 'data', 'tls', 'gateway.crt'), '-X', method, '-H', 'content-type: application/json'];
    if (token) args.push('-H', `authorization: Bearer ${token}`);
    if (body !== undefined) args.push('--data', JSON.stringify(body));
    const { stdout } = await pair.exec(pair.b, 'curl', [...args, `https://${pair.a.ipv4}:${gw.ports.https}${path}`]);
    return stdout ? JSON.parse(stdout) : null;
  }

  async function login(): Promise<string> {
    return (await api('POST', '/auth/token', { username: 'admin', password: PASSWORD }) as { token: string }).token;
  }

  it('advertises the directory as _wot._tcp with the WoT Discovery TXT keys, on the HTTPS port', async () => {
    const [wot] = mine(await avahi.browseUntil('_wot._tcp', (f) => mine(f).length > 0));
    assert.equal(wot!.address, pair.a.ipv4);
    assert.equal(wot!.port, gw.ports.https);
    assert.deepEqual(wot!.txt, { td: '/.well-known/wot', type: 'Directory', scheme: 'https' });
    // The TD the record points at is there, over HTTPS with the gateway's own certificate.
    const td = await api('GET', '/.well-known/wot', undefined, await login()) as { '@type'?: unknown; id?: unknown };
    assert.equal(td.id, 'urn:roost:directory');
    assert.equal(td['@type'], 'discovery:ThingDirectory');
    const dirs = await avahi.browseUntil('_directory._sub._wot._tcp', (f) => mine(f).length > 0);
    assert.equal(mine(dirs)[0]!.port, gw.ports.https);
  });

  it('advertises HTTPS, HTTP, MQTT, MQTTS and CoAP with the ports they bound', async () => {
    const want: Array<[string, number | undefined, Record<string, string>]> = [
      ['_https._tcp', gw.ports.https, { path: '/' }],
      ['_http._tcp', gw.ports.http, { path: '/' }],
      ['_mqtt._tcp', gw.ports.mqtt, {}],
      ['_secure-mqtt._tcp', gw.ports.mqtts, {}],
    ];
    for (const [type, port, txt] of want) {
      const [s] = mine(await avahi.browseUntil(type, (f) => mine(f).length > 0));
      assert.equal(s!.port, port, type);
      assert.equal(s!.address, pair.a.ipv4, type);
      for (const [k, v] of Object.entries(txt)) assert.equal(s!.txt[k], v, `${type} ${k}`);
    }
    const [coap] = mine(await avahi.browseUntil('_coap._udp', (f) => mine(f).length > 0));
    assert.equal(coap!.txt['rt'], 'core.rd');
    const listening = gw.output().split('\n').find((l) => l.includes('"coap binding listening"'))!;
    const coapPort = (JSON.parse(listening) as { address: { port: number } }).address.port;
    assert.equal(coap!.port, coapPort);
  });

  it('follows PATCH /config: a binding turned off is withdrawn, a new instance name replaces the old', async () => {
    const token = await login();
    const r1 = await api('PATCH', '/config', { bindings: { coap: { enabled: false } } }, token) as { applied: string[] };
    assert.deepEqual(r1.applied, ['bindings.coap']);
    await avahi.browseUntil('_coap._udp', (f) => mine(f).length === 0);
    const r2 = await api('PATCH', '/config', { discovery: { instanceName: 'Roost renamed' } }, token) as { applied: string[]; restartRequired: string[] };
    assert.deepEqual(r2.applied, ['discovery']);
    assert.ok(!r2.restartRequired.includes('discovery'));
    const found = await avahi.browseUntil('_wot._tcp', (f) => f.some((b) => b.name === 'Roost renamed') && mine(f).length === 0);
    assert.equal(found.find((b) => b.name === 'Roost renamed')!.port, gw.ports.https);
  });

  it('says goodbye when the gateway stops: the records leave avahi\'s cache at once, not after their TTL', async () => {
    await avahi.browseUntil('_https._tcp', (f) => f.some((b) => b.name === 'Roost renamed'));
    const t0 = Date.now();
    await gw.stop();
    assert.equal(gw.proc.exitCode, 0, gw.output().slice(-2000));
    // RFC 6762 §10.1: a goodbye (TTL 0) is dropped after one second; the records' own TTLs are minutes to hours.
    await avahi.browseUntil('_https._tcp', (f) => !f.some((b) => b.name === 'Roost renamed'), 10_000);
    await avahi.browseUntil('_wot._tcp', (f) => !f.some((b) => b.name === 'Roost renamed'), 10_000);
    assert.ok(Date.now() - t0 < 15_000);
  });
});
