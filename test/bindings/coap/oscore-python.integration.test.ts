/**
 * The independent device peer (test/peers/python/oscore_device.py, RFC 8613 written apart from the
 * gateway) against the gateway over real UDP with `security: required`. Fails, not skips, when
 * /usr/bin/python3 or its python3-cryptography / python3-cbor2 are missing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startCoapGateway, type CoapRig } from './coap-rig.js';
import { manifestEntry, type DeviceKeys } from './oscore-test-device.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../peers/python/oscore_device.py', import.meta.url));
const keys: DeviceKeys = { masterSecret: '0f0e0d0c0b0a09080706050403020100', masterSalt: '1122334455667788', kid: '0a11' };

type Answer = Record<string, unknown> & { code?: string; payload?: string; item?: Record<string, unknown>; echoed?: boolean };

class PyDevice {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: Array<(line: string) => void> = [];
  private stderr = '';

  constructor(gateway: { host: string; port: number }, k: DeviceKeys) {
    this.child = spawn(PYTHON, [SCRIPT, '--gateway', `${gateway.host}:${gateway.port}`, '--kid', k.kid, '--secret', k.masterSecret, '--salt', k.masterSalt]);
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (l) => this.pending.shift()?.(l));
  }

  private next(timeoutMs = 8000): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`python device silent; stderr: ${this.stderr}`)), timeoutMs);
      this.pending.push((l) => {
        clearTimeout(t);
        resolve(JSON.parse(l) as Answer);
      });
    });
  }

  ready(): Promise<Answer> {
    return this.next();
  }

  send(cmd: Record<string, unknown>): Promise<Answer> {
    const p = this.next();
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
    return p;
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

const text = (hex: unknown) => Buffer.from(String(hex), 'hex').toString();

describe('OSCORE device peer in Python over UDP (security required)', () => {
  let rig: CoapRig;
  before(async () => {
    assert.ok(existsSync(PYTHON), `${PYTHON} is needed for the independent OSCORE device`);
    rig = await startCoapGateway({ security: 'required', awakeWindowMs: 100 }, {}, { onboarding: { defaultPolicy: 'manifest' } });
    rig.gw.hub.onboarding.importManifest([manifestEntry('py1', keys)]);
  });
  after(async () => {
    await rig.stop();
  });

  it('registers, posts SenML+CBOR, receives a queued action and posts its result, all protected; the refusals are counted', async () => {
    const dev = new PyDevice(rig.gateway, keys);
    try {
      assert.equal((await dev.ready())['ready'], true);
      const reg = await dev.send({ cmd: 'register', ep: 'py1' });
      assert.deepEqual([reg.code, reg.protected, reg.echoed, reg['location']], ['2.01', true, true, ['rd', '1']]);
      const t1 = await dev.send({ cmd: 'telemetry', ep: 'py1', name: 'temp', value: 19.25 });
      assert.deepEqual([t1.code, t1.echoed, t1.item], ['2.04', false, undefined]);
      assert.equal(rig.gw.hub.readProperty('urn:roost:coap:py1', 'temp')?.value, 19.25);
      const hist = rig.gw.hub.history({ thingId: 'urn:roost:coap:py1', name: 'temp' });
      assert.ok(hist.some((r) => (r as { value: unknown }).value === 19.25), JSON.stringify(hist));
      await sleep(150);
      const action = rig.gw.hub.invokeAction('urn:roost:coap:py1', 'blink', { times: 4 });
      const t2 = await dev.send({ cmd: 'telemetry', ep: 'py1', name: 'temp', value: 20 });
      assert.equal(t2.code, '2.04');
      assert.deepEqual(t2.item, { i: action.id, k: 'a', n: 'blink', v: { times: 4 } });
      const res = await dev.send({ cmd: 'result', ep: 'py1', id: action.id, output: { blinked: 4 } });
      assert.equal(res.code, '2.04');
      const done = await rig.gw.hub.waitForAction(action.id, 3000);
      assert.deepEqual([done.state, done.output], ['completed', { blinked: 4 }]);

      const before = rig.coap.status().counters;
      const replay = await dev.send({ cmd: 'replay' });
      assert.deepEqual([replay.code, text(replay.payload), replay.protected], ['4.01', 'Replay detected', false]);
      const plain = await dev.send({ cmd: 'plain', path: 't/py1' });
      assert.equal(plain.code, '4.01');
      assert.match(text(plain.payload), /^ROOST_ERR_UNAUTHENTICATED/);
      const after = rig.coap.status().counters;
      assert.equal(after['oscoreReplay']! - before['oscoreReplay']!, 1);
      assert.equal(after['plainRefused']! - before['plainRefused']!, 1);
      assert.equal(rig.gw.hub.readProperty('urn:roost:coap:py1', 'temp')?.value, 20);
    } finally {
      dev.close();
    }
  });

  it('a Python device with a wrong key gets 4.00 Decryption failed, counted, and nothing reaches the hub', async () => {
    const dev = new PyDevice(rig.gateway, { ...keys, masterSecret: '00'.repeat(16) });
    try {
      await dev.ready();
      await dev.send({ cmd: 'seq', seq: 900 });
      const before = rig.coap.status().counters['oscoreDecryptFailed']!;
      const r = await dev.send({ cmd: 'telemetry', ep: 'py1', name: 'temp', value: -40 });
      assert.deepEqual([r.code, text(r.payload), r.protected], ['4.00', 'Decryption failed', false]);
      assert.equal(rig.coap.status().counters['oscoreDecryptFailed']! - before, 1);
      assert.notEqual(rig.gw.hub.readProperty('urn:roost:coap:py1', 'temp')?.value, -40);
    } finally {
      dev.close();
    }
  });

  it('the gateway as OSCORE client: an always-on Python device answers a protected POST', async () => {
    const k2: DeviceKeys = { ...keys, kid: '0b22', masterSecret: '55'.repeat(16) };
    rig.gw.hub.onboarding.importManifest([manifestEntry('py2', k2)]);
    const dev = new PyDevice(rig.gateway, k2);
    try {
      await dev.ready();
      assert.equal((await dev.send({ cmd: 'register', ep: 'py2', b: 'U' })).code, '2.01');
      const a = rig.gw.hub.invokeAction('urn:roost:coap:py2', 'blink', { times: 1 });
      const done = await rig.gw.hub.waitForAction(a.id, 5000);
      assert.deepEqual([done.state, done.output], ['completed', { blinked: { times: 1 } }]);
      const served = (await dev.send({ cmd: 'served' }))['served'] as Array<{ path: string; input: unknown; seq: number }>;
      assert.deepEqual(served.map((s) => [s.path, s.input]), [['blink', { times: 1 }]]);
    } finally {
      dev.close();
    }
  });
});
