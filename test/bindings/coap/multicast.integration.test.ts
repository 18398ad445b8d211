/**
 * CoAP multicast discovery of the resource directory (RFC 9176 §4), in a private network: the
 * gateway as `roost start` runs it in one network namespace, libcoap's coap-client and a socket of
 * our own in the other, joined by a veth pair. Only `GET /.well-known/core?rt=core.rd*` sent to
 * All CoAP Nodes gets an answer (one, NON, after a random leisure); the unicast endpoint on the
 * same port answers as before and never answers what was sent to the group.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../helpers/gateway.js';
import { NetnsPair } from '../../helpers/netns.js';
import { startRoostInNetns, type RoostInNetns } from '../../helpers/netns-roost.js';

const probe = fileURLToPath(new URL('./multicast-probe.ts', import.meta.url));
const LEISURE_MS = 1500;
const RD_LINK = '</rd>;rt="core.rd";ct=40';

interface Answer { from: string; port: number; type: string; code: string; token: string; payload: string; atMs: number }

describe('CoAP multicast discovery of the resource directory (private network)', { timeout: 180_000 }, () => {
  const dir = tempDir('roost-coap-mc-');
  let pair: NetnsPair;
  let gw: RoostInNetns;

  before(async () => {
    pair = await NetnsPair.create();
    gw = await startRoostInNetns(pair, pair.a, dir, [
      'http: { port: 0 }',
      'mqtt: { port: 0, tlsPort: 0 }',
      'tls: { httpsPort: 0 }',
      'detect: { enabled: false }',
      'discovery: { mdns: false }',
      // multicast is on by roost start's defaults; 5683 is the port group requests go to.
      `bindings: { coap: { port: 5683, security: none, multicastLeisureMs: ${LEISURE_MS} } }`,
    ]);
  });

  after(async () => {
    await gw?.stop();
    await pair?.close();
  });

  async function send(sends: Array<{ to: string; type: string; code: string; path: string[]; query?: string[]; token: string }>, waitMs = LEISURE_MS + 1000): Promise<Answer[]> {
    const arg = JSON.stringify({ sends: sends.map((s) => ({ port: 5683, query: [], ...s })), waitMs });
    const { stdout } = await pair.exec(pair.b, process.execPath, ['--import', 'tsx', probe, arg]);
    return JSON.parse(stdout) as Answer[];
  }

  it('libcoap coap-client finds the directory at 224.0.1.187', async () => {
    const { stdout } = await pair.exec(pair.b, 'coap-client-notls', ['-m', 'get', '-N', '-B', String(Math.ceil(LEISURE_MS / 1000) + 2), 'coap://224.0.1.187/.well-known/core?rt=core.rd*']);
    assert.equal(stdout.trim(), RD_LINK);
  });

  it('libcoap coap-client finds it at ff02::fd and ff05::fd too', async () => {
    // The namespace has one interface, which its ff00::/8 route names.
    for (const group of ['ff02::fd', 'ff05::fd']) {
      const { stdout } = await pair.exec(pair.b, 'coap-client-notls', ['-m', 'get', '-N', '-B', String(Math.ceil(LEISURE_MS / 1000) + 2), `coap://[${group}]/.well-known/core?rt=core.rd*`]);
      assert.equal(stdout.trim(), RD_LINK, group);
    }
  });

  it('answers the RD query once, NON, from the unicast address and port 5683, within the leisure; everything else sent to the group gets nothing', async () => {
    const group = '224.0.1.187';
    const answers = await send([
      { to: group, type: 'NON', code: '0.01', path: ['.well-known', 'core'], token: 'a1' }, // no filter: the whole list is not for a group
      { to: group, type: 'NON', code: '0.01', path: ['.well-known', 'core'], query: ['rt=core.rd-lookup-ep'], token: 'a2' },
      { to: group, type: 'NON', code: '0.02', path: ['rd'], token: 'a3' },
      { to: group, type: 'NON', code: '0.01', path: ['nothing', 'here'], token: 'a4' }, // a 4.04 would be an error to a group
      { to: group, type: 'CON', code: '0.01', path: ['.well-known', 'core'], query: ['rt=core.rd'], token: 'a5' }, // RFC 7252 §8.1: group requests are NON
      { to: group, type: 'NON', code: '0.01', path: ['.well-known', 'core'], query: ['rt=core.rd*'], token: 'a6' },
    ]);
    assert.equal(answers.length, 1, JSON.stringify(answers));
    const [a] = answers;
    assert.deepEqual({ token: a!.token, type: a!.type, code: a!.code, payload: a!.payload, from: a!.from, port: a!.port }, { token: 'a6', type: 'NON', code: '2.05', payload: RD_LINK, from: pair.a.ipv4, port: 5683 });
    assert.ok(a!.atMs < LEISURE_MS + 500, `answered after ${a!.atMs} ms`);
  });

  it('the unicast endpoint on the same port still answers requests sent to its own address', async () => {
    const answers = await send([{ to: pair.a.ipv4, type: 'CON', code: '0.01', path: ['.well-known', 'core'], token: 'b1' }], 1500);
    assert.equal(answers.length, 1, JSON.stringify(answers));
    assert.equal(answers[0]!.type, 'ACK');
    assert.equal(answers[0]!.code, '2.05');
    assert.ok(answers[0]!.payload.includes(RD_LINK), answers[0]!.payload);
    assert.match(answers[0]!.payload, /<\/t>/);
  });
});
