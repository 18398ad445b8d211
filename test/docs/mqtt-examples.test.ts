/**
 * Runs the ```sh examples of docs/mqtt.md against a live gateway (mosquitto-clients and curl), so
 * they stay true. The first block only names the variables; the test sets them itself.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TestDeviceBinding } from '../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const DOC = new URL('../../docs/mqtt.md', import.meta.url);
const THING = 'urn:roost:testdev:lamp';

function shBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

function sh(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-ec', script], { env: { ...process.env, ...env }, timeout: 30000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** What each example must print, in the order of the document. */
const EXPECT: Array<(out: string) => void> = [
  (out) => assert.equal((JSON.parse(out) as { id: string }).id, THING),
  (out) => assert.match(out, new RegExp(`^things/${THING}/event/button "tick-\\d+"\\n$`)),
  (out) => {
    const r = JSON.parse(out) as Record<string, unknown>;
    assert.deepEqual([r['correlationData'], r['state'], r['output']], ['42', 'completed', { done: 'blink' }]);
  },
  (out) => assert.equal(out, ''),
  (out) => assert.equal(out.trim(), '40'),
  (out) => assert.equal((JSON.parse(out) as { id: string }).id, THING),
  (out) => assert.match(out, /^refused, exit code [1-9]\d*\n$/),
];

describe('docs/mqtt.md examples', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let ticker: NodeJS.Timeout;
  const blocks = shBlocks(readFileSync(DOC, 'utf8'));

  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }]);
    gw = await startTestGateway({}, { extraBindings: [dev] });
    // Events keep coming, so an example that waits for one gets it.
    let n = 0;
    ticker = setInterval(() => dev.ctx?.emitEvent(THING, 'button', `tick-${n++}`), 200);
  });

  after(async () => {
    clearInterval(ticker);
    await gw.stop();
  });

  it('names the variables the examples use in its first block', () => {
    assert.equal(blocks.length, EXPECT.length + 1, 'one expectation per example');
    for (const v of ['HOST', 'PORT', 'HTTP_PORT', 'PASSWORD', 'THING']) assert.match(blocks[0] as string, new RegExp(`\\b${v}=`));
  });

  it('runs every example', async () => {
    const mqtt = new URL(gw.mqttUrl as string);
    const env = { HOST: mqtt.hostname, PORT: mqtt.port, HTTP_PORT: new URL(gw.httpUrl as string).port, PASSWORD: TEST_ADMIN_PASSWORD, THING };
    for (const [i, script] of blocks.slice(1).entries()) {
      const r = await sh(script, env);
      assert.equal(r.code, 0, `example ${i + 1} exited ${r.code}:\n${script}\n${r.stderr}`);
      (EXPECT[i] as (out: string) => void)(r.stdout);
    }
    const blinks = dev.delivered.filter((d) => d.name === 'blink').map((d) => d.input);
    assert.deepEqual(blinks, [{ times: 2 }, { times: 1 }]);
  });
});
