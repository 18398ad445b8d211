/**
 * RFC 8613 Appendix B.1.1 under a real kill -9: the gateway (a child process) sends protected
 * requests to an always-on device, is killed with SIGKILL right after the last one, and once
 * restarted on the same data its next sequence number is above every number the device saw.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeCbor } from '../../../protocols/cbor.js';
import { tempDir } from '../../helpers/gateway.js';
import { OscoreTestDevice } from './oscore-test-device.js';

const CHILD = fileURLToPath(new URL('./oscore-kill9-child.ts', import.meta.url));
const LINKS = Buffer.from('</blink>;rt="roost.a";dt="object"');

function startChild(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const next = (ms = 15000) => new Promise<string>((resolve, reject) => {
    const q = lines.shift();
    if (q !== undefined) return resolve(q);
    const t = setTimeout(() => reject(new Error('child silent')), ms);
    waiters.push((l) => {
      clearTimeout(t);
      resolve(l);
    });
  });
  return { child, next };
}

describe('gateway sequence numbers survive kill -9', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('after SIGKILL the restarted gateway continues above every sequence number it sent', async () => {
    const seen: number[] = [];
    for (let run = 0; run < 2; run++) {
      const { child, next } = startChild(dir);
      // A gateway's start under tsx takes seconds, more on a loaded machine.
      const port = Number((await next(60000)).split(' ')[1]);
      const d = await new OscoreTestDevice({ host: '127.0.0.1', port }, { masterSecret: '0102030405060708090a0b0c0d0e0f10', masterSalt: '9e7ca92223786340', kid: '01' }).open();
      d.seq = run * 100;
      d.onRequest = () => ({ code: '2.04', contentFormat: 60, payload: encodeCbor({ ok: true }) });
      try {
        const r = await d.request({ code: '0.02', uriPath: ['rd'], uriQuery: ['ep=oa', 'b=U'], contentFormat: 40, payload: LINKS });
        assert.equal(r.res.code, '2.01');
        for (let n = 0; n < 5; n++) {
          child.stdin.write(`${n}\n`);
          assert.equal(await next(30000), `done ${n} completed`);
        }
      } finally {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        d.close();
      }
      if (run === 1) assert.ok(Math.min(...d.gatewaySeqs) > Math.max(...seen), `after kill -9 ${d.gatewaySeqs.join(',')} vs before ${seen.join(',')}`);
      seen.push(...d.gatewaySeqs);
    }
    assert.equal(seen.length, 10);
  });
});
