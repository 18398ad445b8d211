/**
 * Interop with clients nobody here wrote: Debian's mosquitto_sub and mosquitto_pub (MQTT 3.1.1).
 * Each run is bounded by -W / -C and a kill timeout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { actionTopic, eventTopic, tdTopic } from '../../../gateway/mqtt/topics.js';
import { connect, type Rig } from './mqtt-rig.js';

const LAMP = 'urn:roost:testdev:lamp';

interface Run { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], timeoutMs = 15000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('mosquitto_sub and mosquitto_pub against the gateway', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let watcher: Rig;
  let conn: string[];

  /** Resolves once the broker has acknowledged a SUBSCRIBE of this client id (aedes announces it on $SYS). */
  const subscribed = (clientId: string): Promise<void> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${clientId} did not subscribe`)), 10000);
    const look = (topic: string, payload: Buffer): void => {
      if (!topic.endsWith('/new/subscribes') || (JSON.parse(payload.toString()) as { clientId: string }).clientId !== clientId) return;
      clearTimeout(timer);
      watcher.client.off('message', look);
      resolve();
    };
    watcher.client.on('message', look);
  });

  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }]);
    gw = await startTestGateway({}, { extraBindings: [dev] });
    const url = new URL(gw.mqttUrl as string);
    conn = ['-h', url.hostname, '-p', url.port, '-u', 'admin', '-P', TEST_ADMIN_PASSWORD];
    watcher = await connect(gw.mqttUrl as string, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await watcher.client.subscribeAsync('$SYS/+/new/subscribes');
  });

  after(async () => {
    await watcher.client.endAsync(true);
    await gw.stop();
  });

  it('mosquitto_sub gets the retained TD', async () => {
    const r = await run('mosquitto_sub', [...conn, '-t', tdTopic(LAMP), '-C', '1', '-W', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { id: string }).id, LAMP);
  });

  it('mosquitto_sub receives an event', async () => {
    const sub = run('mosquitto_sub', [...conn, '-i', 'mosq-ev', '-q', '1', '-t', eventTopic(LAMP, 'button'), '-C', '1', '-W', '10']);
    await subscribed('mosq-ev');
    dev.ctx?.emitEvent(LAMP, 'button', 'long-press');
    const r = await sub;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '"long-press"');
  });

  it('mosquitto_pub sends an action that the device receives, and mosquitto_sub gets the reply', async () => {
    const before = dev.delivered.length;
    const replies = run('mosquitto_sub', [...conn, '-i', 'mosq-rep', '-q', '1', '-t', 'replies/admin/#', '-C', '1', '-W', '10']);
    await subscribed('mosq-rep');
    const r = await run('mosquitto_pub', [...conn, '-q', '1', '-t', actionTopic(LAMP, 'blink'),
      '-m', JSON.stringify({ input: { times: 4 }, responseTopic: 'replies/admin/m1', correlationData: 'abc' })]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(dev.delivered.slice(before).map((i) => [i.name, i.input]), [['blink', { times: 4 }]]);
    const reply = await replies;
    assert.equal(reply.code, 0, reply.stderr);
    assert.deepEqual(JSON.parse(reply.stdout), { correlationData: 'abc', actionId: dev.delivered.at(-1)?.id, state: 'completed', output: { done: 'blink' } });
  });

  it('mosquitto_pub with a bad password exits non-zero', async () => {
    const url = new URL(gw.mqttUrl as string);
    const r = await run('mosquitto_pub', ['-h', url.hostname, '-p', url.port, '-u', 'admin', '-P', 'wrong-password', '-t', actionTopic(LAMP, 'reset'), '-m', '']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refused/i);
  });
});
