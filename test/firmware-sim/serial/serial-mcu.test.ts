/**
 * The simulated MCU's device-side duties of docs/protocols/serial.md, against a bare gateway-side
 * SerialLink (no gateway, no pty): dedupe of repeated item ids (the published vectors, byte for
 * byte), the size of its memory and its survival across a reboot, and the "unknown unit" answer.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { REMEMBERED_ITEMS, SerialMcu, type McuMemory, type SerialMcuOptions, type SimPort, type SimPortEvents } from '../../../firmware-sim/serial/index.js';
import { encodeFrame } from '../../../protocols/serial/serial-frame.js';
import { SerialLink } from '../../../protocols/serial/serial-link.js';
import { encodeMessage, type SerialMessage } from '../../../protocols/serial/serial-messages.js';
import { VECTORS, hex } from '../../protocols/serial/vectors.js';

class WirePort extends EventEmitter<SimPortEvents> implements SimPort {
  constructor(private readonly out: (b: Buffer) => void) {
    super();
  }

  write(bytes: Buffer): void {
    const copy = Buffer.from(bytes);
    setImmediate(() => this.out(copy));
  }

  close(): void {
    this.emit('close');
  }
}

interface Bench {
  mcu: SerialMcu;
  gw: SerialLink;
  /** Messages the gateway side received, with the raw payload of results. */
  got: Array<{ msg: SerialMessage; unit: number }>;
  /** Feeds bytes to the MCU as if from the gateway. */
  toMcu(bytes: Buffer): void;
}

async function bench(opts: Partial<SerialMcuOptions>, onGw: (msg: SerialMessage, unit: number, b: Bench) => void | Promise<unknown> = () => undefined): Promise<Bench> {
  const b = { got: [] } as unknown as Bench;
  const port = new WirePort((bytes) => b.gw.feed(bytes));
  b.toMcu = (bytes) => port.emit('data', bytes);
  b.gw = new SerialLink((bytes) => setImmediate(() => port.emit('data', bytes)), {
    message: (msg, unit) => {
      b.got.push({ msg, unit });
      return onGw(msg, unit, b);
    },
  }, { ackTimeoutMs: 30, maxRetries: 3 });
  b.mcu = new SerialMcu({ units: [{ unit: 0, id: 'hub-7', description: { p: { temp: { u: 'Cel' } }, a: { blink: { i: 'integer', o: 'integer' } } } }], link: { ackTimeoutMs: 30, maxRetries: 3 }, ...opts });
  await b.mcu.attach(port, { hello: false });
  return b;
}

const vector = (prefix: string) => {
  const v = VECTORS.frames.find((f) => f.name.startsWith(prefix));
  assert.ok(v, `vector ${prefix}`);
  return v;
};

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await sleep(2);
  }
}

const results = (b: Bench) => b.got.filter((g) => g.msg.kind === 'result').map((g) => encodeMessage(g.msg).payload.toString('hex'));

describe('serial MCU: repeated item ids', () => {
  it('runs the published invoke once and answers its repeat (a new frame, seq 09) with the stored result, byte for byte', async () => {
    const ran: unknown[] = [];
    const b = await bench({ onCommand: (c) => (ran.push(c.value), c.value) });
    b.toMcu(hex(vector('action invoke blink 3').wire));
    await until(() => results(b).length === 1);
    b.toMcu(hex(vector('invoke blink 3, item q2 again').wire));
    await until(() => results(b).length === 2);
    const answer = vector('result of the repeated q2').payload;
    assert.equal(answer, vector('result ok with output').payload, 'the repeat is answered with the first answer');
    assert.deepEqual(results(b), [answer, answer]);
    assert.deepEqual(ran, [3], 'executed once');
    assert.deepEqual(b.mcu.commands.map((c) => [c.itemId, c.duplicate]), [['q2', false], ['q2', true]]);
    assert.equal(b.mcu.counters.duplicateCommands, 1);
    b.mcu.detach();
    b.gw.close();
  });

  it(`remembers the last ${REMEMBERED_ITEMS} ids: the oldest beyond them would run again`, async () => {
    const ran: string[] = [];
    const b = await bench({ onCommand: (c) => void ran.push(c.itemId) });
    const invoke = (i: string) => b.gw.send({ kind: 'invoke', body: { i, n: 'blink', v: 1 } }, 0);
    const ids = Array.from({ length: REMEMBERED_ITEMS + 1 }, (_, k) => `i${k}`);
    for (const id of ids) await invoke(id);
    await invoke(ids.at(-1)!); // still remembered
    await invoke(ids[0]!); // pushed out by the ninth
    await until(() => results(b).length === ids.length + 2);
    assert.deepEqual(ran, [...ids, ids[0]]);
    assert.equal(REMEMBERED_ITEMS, 8);
    b.mcu.detach();
    b.gw.close();
  });

  it('with its memory kept (flash), a rebooted MCU still answers a repeat without running it', async () => {
    const memory: McuMemory = { results: new Map() };
    const ran: unknown[] = [];
    const first = await bench({ memory, onCommand: (c) => void ran.push(c.itemId) });
    await first.gw.send({ kind: 'write', body: { i: 'w1', n: 'led', v: true } }, 0);
    await until(() => results(first).length === 1);
    first.mcu.detach();
    first.gw.close();
    const again = await bench({ memory, onCommand: (c) => void ran.push(c.itemId) });
    await again.gw.send({ kind: 'write', body: { i: 'w1', n: 'led', v: true } }, 0);
    await until(() => results(again).length === 1);
    assert.deepEqual(ran, ['w1']);
    assert.deepEqual(results(again), results(first));
    again.mcu.detach();
    again.gw.close();
  });
});

describe('serial MCU: the unknown unit answer', () => {
  it('abandons the unacked telemetry, says hello, describes when asked, then sends the readings again once described', async () => {
    let registered = false;
    let asked = false;
    const b = await bench({}, (msg, unit, bb) => {
      if (msg.kind === 'telemetry' && !registered) {
        // The gateway does not know unit 0: no ack, and a hello request for that unit (once).
        if (!asked) {
          asked = true;
          void bb.gw.send({ kind: 'hello', body: null }, unit);
        }
        return Promise.reject(new Error('unknown unit'));
      }
      if (msg.kind === 'hello' && msg.body) void bb.gw.send({ kind: 'describe', body: null }, unit);
      if (msg.kind === 'describe' && msg.body) registered = true;
      return undefined;
    });
    await b.mcu.telemetry(0, { temp: 21.5 });
    const kinds = b.got.map((g) => g.msg.kind);
    assert.deepEqual(kinds.filter((k, i) => k !== kinds[i - 1]), ['telemetry', 'hello', 'describe', 'telemetry']);
    assert.equal(b.mcu.counters.unknownAnswers, 1);
    assert.equal(b.mcu.counters.resent, 1);
    assert.equal(b.gw.counters.acksWithheld >= 1, true);
    b.mcu.detach();
    b.gw.close();
  });

  it('a hello request to every unit (255) is no such answer: frames in flight are not abandoned', async () => {
    const b = await bench({});
    const sent = b.mcu.telemetry(0, { temp: 1 });
    b.toMcu(encodeFrame({ type: 1, seq: 40, unit: 0xff, payload: Buffer.alloc(0) }));
    await sent;
    assert.equal(b.mcu.counters.unknownAnswers, 0);
    assert.equal(b.mcu.counters.helloRequests, 1);
    b.mcu.detach();
    b.gw.close();
  });
});
