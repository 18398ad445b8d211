import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openPty, SerialMcu } from '../../../firmware-sim/serial/index.js';
import { SocatPair } from '../../bindings/serial/socat-pair.js';

const MAIN = fileURLToPath(new URL('../../../cli/main.ts', import.meta.url));

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `roost serial ...` as a child process; `whileRunning` acts as the device meanwhile. */
async function roost(args: string[], whileRunning?: () => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serial', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  if (whileRunning) await whileRunning();
  const killer = setTimeout(() => child.kill('SIGKILL'), 20000);
  const code = await exited;
  clearTimeout(killer);
  return { code, out, err };
}

describe('roost serial: firmware companion tools against a simulated MCU over socat ptys', () => {
  const pty = new SocatPair();
  let mcu: SerialMcu;
  before(async () => {
    await pty.plug();
    mcu = new SerialMcu({
      units: [{ unit: 0, id: 'factory-0001', description: { p: { temp: { u: 'Cel' } }, a: { pulse: { i: 'integer', o: 'integer' } } } }],
      // 3 s for the roost child (TypeScript through tsx on a loaded machine) to ack a frame: the
      // MCU's 0.6 s ran out once in CI while the monitor was busy; retry timing is not tested here.
      link: { ackTimeoutMs: 250, maxRetries: 12 },
      onCommand: (c) => (c.value as number) * 10,
    });
    // Nobody listens yet: the MCU waits to be asked for hello.
    await mcu.attach(openPty(pty.devicePath), { hello: false });
  });
  after(async () => {
    mcu.detach();
    await pty.close();
  });

  it('provision writes id, key and config; the device confirms and says hello under its new id', async () => {
    const r = await roost(['provision', '--port', pty.gatewayPath, '--id', 'greenhouse-3', '--key', '000102030405060708090a0b0c0d0e0f', '--set', 'interval=30', '--set', 'name=north']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /provisioned; device now says hello as greenhouse-3/);
    assert.equal(mcu.units[0]!.id, 'greenhouse-3');
    const p = mcu.provisioned.get(0);
    assert.equal(Buffer.from(p!.key!).toString('hex'), '000102030405060708090a0b0c0d0e0f');
    assert.deepEqual(p!.config, { interval: 30, name: 'north' });
  });

  it('monitor prints decoded frames live: hello on request, then telemetry and a log line', async () => {
    const r = await roost(['monitor', '--port', pty.gatewayPath, '--json', '--count', '3', '--duration', '10'], async () => {
      // The monitor starts and asks for hello; the MCU answers it.
      const asked = mcu.counters.helloRequests;
      while (mcu.counters.helloRequests === asked) await sleep(20);
      await sleep(100);
      await mcu.telemetry(0, { temp: 22.5 });
      await mcu.log(0, 1, 'booted');
    });
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; unit: number; body: unknown });
    assert.deepEqual(lines.map((l) => l.kind), ['hello', 'telemetry', 'log']);
    assert.equal((lines[0]!.body as { id: string }).id, 'greenhouse-3');
    assert.deepEqual(lines[1]!.body, [{ n: 'temp', v: 22.5 }]);
    assert.deepEqual(lines[2]!.body, { l: 1, m: 'booted' });
  });

  it('send delivers one message, waits for the ack and prints the reply', async () => {
    const r = await roost(['send', '--port', pty.gatewayPath, '--unit', '0', '--wait', '500', 'invoke', '{"i":"cli-1","n":"pulse","v":4}']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /acknowledged invoke/);
    assert.match(r.out, /unit 0 result \{"i":"cli-1","s":0,"o":40\}/);
    assert.deepEqual(mcu.commands.map((c) => [c.itemId, c.value]), [['cli-1', 4]]);
  });

  it('send fails (exit 1) when nothing acknowledges, and refuses a bad kind (exit 78)', async () => {
    mcu.asleep = true;
    try {
      const r = await roost(['send', '--port', pty.gatewayPath, 'wake']);
      assert.equal(r.code, 1);
      assert.match(r.err, /no ack/);
    } finally {
      mcu.asleep = false;
    }
    const bad = await roost(['send', '--port', pty.gatewayPath, 'frobnicate']);
    assert.equal(bad.code, 78);
  });
});
