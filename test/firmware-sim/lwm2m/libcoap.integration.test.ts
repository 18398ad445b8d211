/**
 * The simulated LwM2M client against libcoap's `coap-client-notls` (Debian libcoap3-bin), a
 * CoAP stack nobody here wrote, standing in for a LwM2M server's requests. Fails (does not
 * skip) when the binary is missing: `make setup` installs it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILTIN_OBJECTS, decodeLwm2mSenml, decodeTlvValues, modelsOf } from '../../../protocols/lwm2m/index.js';
import { parseLinkFormat } from '../../../protocols/link-format/link-format.js';
import { FW_STATE, Lwm2mClient, simFirmwarePackage } from '../../../firmware-sim/lwm2m/index.js';
import { ServerPeer } from './server-peer.js';
import { tempDir } from '../../helpers/temp-dir.js';

const CLIENT = 'coap-client-notls';
const models = modelsOf(BUILTIN_OBJECTS);

function coapClient(args: string[], timeoutMs = 10000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(CLIENT, args, { encoding: 'buffer', timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${CLIENT} ${args.join(' ')} failed: ${err.message} ${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

describe('firmware-sim LwM2M client with libcoap as the requesting peer', () => {
  const server = new ServerPeer();
  let client: Lwm2mClient;
  let base: string;
  let dir: string;

  before(async () => {
    const addr = await server.open();
    client = new Lwm2mClient({ server: addr, endpoint: 'libcoap-peer', ackTimeoutMs: 300 });
    await client.register();
    base = `coap://127.0.0.1:${(await client.address).port}`;
    dir = tempDir('roost-lwm2m-libcoap-');
  });
  after(() => {
    client.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The payload exactly, through `-o file` (libcoap ends what it prints on stdout with a newline). */
  async function payloadOf(args: string[]): Promise<Buffer> {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    await coapClient(['-o', out, ...args]);
    return readFileSync(out);
  }

  it('reads a resource as plain text', async () => {
    assert.equal((await payloadOf(['-m', 'get', `${base}/3303/0/5700`])).toString(), '21.5');
  });

  it('reads an instance as TLV and discovers an object', async () => {
    const tlv = await payloadOf(['-m', 'get', '-A', '11542', `${base}/3/0`]);
    assert.equal(decodeTlvValues(tlv, [3, 0], models).find((v) => v.path === '/3/0/0')?.value, 'Roost');
    const links = parseLinkFormat((await payloadOf(['-m', 'get', '-A', '40', `${base}/3311`])).toString());
    assert.deepEqual(links.slice(0, 2).map((l) => l.href), ['/3311', '/3311/0']);
  });

  it('writes a resource and executes one', async () => {
    await coapClient(['-m', 'put', '-t', '0', '-e', '1', `${base}/3311/0/5850`]);
    assert.equal(client.store.get('/3311/0/5850'), true);
    await coapClient(['-m', 'post', `${base}/3/0/4`]);
    assert.equal(client.reboots, 1);
  });

  it('reads composite with FETCH and SenML JSON', async () => {
    const out = await payloadOf(['-m', 'fetch', '-t', '110', '-e', '[{"n":"/3/0/9"},{"n":"/3311/0/5850"}]', `${base}/`]);
    assert.deepEqual(decodeLwm2mSenml(110, out, [], models), [
      { path: '/3/0/9', value: 95 },
      { path: '/3311/0/5850', value: true },
    ]);
  });

  it('uploads a firmware package block-wise (libcoap uses a new token per block)', async () => {
    const pkg = join(dir, 'fw.bin');
    writeFileSync(pkg, simFirmwarePackage('4.2.0', 700));
    await coapClient(['-m', 'put', '-t', '42', '-b', '64', '-f', pkg, `${base}/5/0/0`]);
    assert.equal(client.store.get('/5/0/3'), FW_STATE.DOWNLOADED);
    assert.equal(client.store.get('/5/0/7'), '4.2.0');
    await coapClient(['-m', 'post', `${base}/5/0/2`]);
    await server.until(() => client.store.get('/3/0/3') === '4.2.0');
  });

  it('observes a resource and ends the observation', async () => {
    const timer = setInterval(() => client.setTemperature(20 + Math.round(Math.random() * 100) / 10), 150);
    try {
      const out = (await coapClient(['-m', 'get', '-s', '1', '-w', `${base}/3303/0/5700`])).toString();
      const values = out.split('\n').filter((l) => l !== '');
      assert.ok(values.length >= 3, `notifications: ${JSON.stringify(values)}`);
      assert.ok(values.every((v) => /^\d+(\.\d+)?$/.test(v)));
    } finally {
      clearInterval(timer);
    }
    // libcoap 4.3.1 sends an Observe deregistration at the end of -s (FACTS.md).
    await server.until(() => client.observations.observers.length === 0);
  });
});
