/**
 * Interop with libcoap (Debian libcoap3-bin, `coap-client-notls`), a CoAP stack nobody here wrote.
 * Fails (does not skip) when the binary is missing: `make setup` installs it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeCbor, encodeCbor } from '../../../protocols/cbor.js';
import { encodeSenmlCbor } from '../../../protocols/senml/index.js';
import { startCoapGateway, type CoapRig } from './coap-rig.js';
import { tempDir } from '../../helpers/temp-dir.js';

const CLIENT = 'coap-client-notls';

function coapClient(args: string[], timeoutMs = 10000): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(CLIENT, args, { encoding: 'buffer', timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${CLIENT} ${args.join(' ')} failed: ${err.message} ${stderr.toString()}`));
      else resolve({ stdout, stderr: stderr.toString() });
    });
  });
}

// RFC 8428 §6 pack, exactly as the RFC prints it (an encoder that is not ours: note the float16).
const RFC_PACK = Buffer.from(
  '87a721781b75726e3a6465763a6f773a3130653230373361303130383030363a22fb41d303a15b00106223614120050067766f6c74616765' +
    '01615602fb405e066666666666a3006763757272656e74062402fb3ff3333333333333a3006763757272656e74062302fb3ff4cccccccccccd' +
    'a3006763757272656e74062202fb3ff6666666666666a3006763757272656e74062102f93e00a3006763757272656e74062002fb3ff999999999999a' +
    'a3006763757272656e74060002fb3ffb333333333333',
  'hex',
);

describe('interop with libcoap coap-client-notls', () => {
  let rig: CoapRig;
  let base: string;
  let dir: string;
  const file = (name: string, bytes: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const LINKS = '</voltage>;rt="roost.p";u="V",</current>;rt="roost.p";u="A";obs,</blink>;rt="roost.a";dt="object"';

  before(async () => {
    rig = await startCoapGateway({ awakeWindowMs: 100 });
    base = `coap://127.0.0.1:${rig.gateway.port}`;
    dir = tempDir('roost-libcoap-');
  });
  after(async () => {
    await rig.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('discovers /.well-known/core (RFC 6690) and registers (RFC 9176)', async () => {
    const wk = await coapClient(['-m', 'get', `${base}/.well-known/core`]);
    assert.match(wk.stdout.toString(), /<\/rd>;rt="core\.rd";ct=40/);
    await coapClient(['-m', 'post', '-t', '40', '-e', LINKS, `${base}/rd?ep=lc1&lt=60`]);
    assert.equal(rig.gw.hub.getThing('urn:roost:coap:lc1').online, true);
    const filtered = await coapClient(['-m', 'get', `${base}/.well-known/core?href=/v/lc1/*`]);
    assert.equal(filtered.stdout.toString().trim(), '</v/lc1/voltage>;obs;ct=60,</v/lc1/current>;obs;ct=60');
  });

  it('posts the RFC 8428 SenML+CBOR pack from a file (-t 112), CON and NON', async () => {
    await coapClient(['-m', 'post', '-t', '112', '-f', file('pack.cbor', RFC_PACK), `${base}/t/lc1`]);
    const v = rig.gw.hub.readProperty('urn:roost:coap:lc1', 'voltage');
    assert.equal(v?.value, 120.1);
    assert.equal(v?.ts, 1276020076001);
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:lc1', 'current')?.value, 1.7);
    await coapClient(['-N', '-m', 'post', '-t', '112', '-f', file('one.cbor', encodeSenmlCbor([{ n: 'current', v: 2.5 }])), `${base}/t/lc1`]);
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:lc1', 'current')?.value, 2.5);
  });

  it('uploads a pack larger than 1 KiB with Block1, libcoap using a new token per block (RFC 7959)', async () => {
    const pack = Array.from({ length: 120 }, (_, i) => ({ n: 'current', v: i + 0.5 }));
    const bytes = encodeSenmlCbor(pack);
    assert.ok(bytes.length > 1024);
    const before = rig.coap.status().counters['readings'] ?? 0;
    await coapClient(['-m', 'post', '-t', '112', '-b', '256', '-f', file('big.cbor', bytes), `${base}/t/lc1`]);
    assert.equal((rig.coap.status().counters['readings'] ?? 0) - before, 120);
    assert.equal(rig.gw.hub.readProperty('urn:roost:coap:lc1', 'current')?.value, 119.5);
  });

  it('reads /.well-known/core in 32-byte Block2 blocks (-b 32) and gets the whole body (RFC 7959 §2.4)', async () => {
    const whole = (await coapClient(['-m', 'get', `${base}/.well-known/core`])).stdout.toString().trim();
    assert.ok(whole.length > 3 * 32, `body of ${whole.length} bytes`);
    const before = rig.coap.status().counters['responsesSent'] ?? 0;
    const blocks = (await coapClient(['-m', 'get', '-b', '32', `${base}/.well-known/core`])).stdout.toString().trim();
    assert.equal(blocks, whole);
    // One answer per 32-byte block: libcoap really walked the blocks.
    assert.equal((rig.coap.status().counters['responsesSent'] ?? 0) - before, Math.ceil(Buffer.byteLength(whole) / 32));
  });

  it('observes a value resource (-s) and deregisters at the end (RFC 7641)', async () => {
    const watching = coapClient(['-s', '2', `${base}/v/lc1/voltage`]);
    await sleep(500);
    assert.equal(rig.coap.status().gauges?.['observers'], 1);
    await coapClient(['-m', 'post', '-t', '60', '-f', file('v.cbor', encodeCbor({ voltage: 230 })), `${base}/t/lc1`]);
    const out = (await watching).stdout;
    // first response (120.1 as a float64) then the notification 230 (CBOR 18 e6)
    assert.ok(out.includes(Buffer.from('18e6', 'hex')), out.toString('hex'));
    assert.equal(rig.coap.status().gauges?.['observers'], 0);
  });

  it('a sleepy libcoap device gets a queued action in the answer to its uplink after it wakes', async () => {
    await coapClient(['-m', 'post', '-t', '40', '-e', LINKS, `${base}/rd?ep=lc2&lt=60&b=UQ`]);
    await sleep(150); // awake window over: asleep
    const id = 'urn:roost:coap:lc2';
    const action = rig.gw.hub.invokeAction(id, 'blink', { times: 2 });
    assert.equal(rig.gw.hub.getAction(action.id).state, 'queued');
    const answer = join(dir, 'answer.cbor');
    await coapClient(['-m', 'post', '-t', '60', '-o', answer, '-f', file('c.cbor', encodeCbor({ current: 1 })), `${base}/t/lc2`]);
    const item = decodeCbor(readFileSync(answer)) as Record<string, unknown>;
    assert.deepEqual(item, { i: action.id, k: 'a', n: 'blink', v: { times: 2 } });
    await coapClient(['-m', 'post', '-t', '60', '-f', file('r.cbor', encodeCbor({ s: 'completed', o: 'ok' })), `${base}/a/lc2/${action.id}`]);
    const done = await rig.gw.hub.waitForAction(action.id, 2000);
    assert.equal(done.state, 'completed');
    assert.equal(done.output, 'ok');
  });

  it('a device with no server of its own drains a queue of 5 items in 5 wakes, in order, each once', async () => {
    await coapClient(['-m', 'post', '-t', '40', '-e', LINKS, `${base}/rd?ep=lc5&lt=60&b=UQ`]);
    await sleep(150);
    const id = 'urn:roost:coap:lc5';
    const queued = [1, 2, 3, 4, 5].map((n) => rig.gw.hub.invokeAction(id, 'blink', { n }).id);
    const executed: string[] = [];
    const answer = join(dir, 'drain.cbor');
    // Each wake is one request: the result of the item the last wake brought (a reading the first time).
    let last: string | null = null;
    for (let wake = 1; wake <= 6; wake++) {
      rmSync(answer, { force: true });
      const args = last === null
        ? ['-m', 'post', '-t', '60', '-o', answer, '-f', file('w.cbor', encodeCbor({ current: wake })), `${base}/t/lc5`]
        : ['-m', 'post', '-t', '60', '-o', answer, '-f', file('w.cbor', encodeCbor({ s: 'completed', o: last })), `${base}/a/lc5/${last}`];
      await coapClient(args);
      const bytes = (() => { try { return readFileSync(answer); } catch { return Buffer.alloc(0); } })();
      if (bytes.length === 0) {
        last = null;
        assert.equal(wake, 6, `wake ${wake} got nothing`);
        break;
      }
      const item = decodeCbor(bytes) as Record<string, unknown>;
      assert.equal(item['m'], 5 - wake === 0 ? undefined : 5 - wake, `wake ${wake}: items still waiting`);
      if (!executed.includes(String(item['i']))) executed.push(String(item['i']));
      last = String(item['i']);
      await sleep(150); // asleep between wakes
    }
    assert.deepEqual(executed, queued, 'every item, in queue order, once');
    for (const q of queued) assert.equal(rig.gw.hub.getAction(q).state, 'completed');
  });
});
