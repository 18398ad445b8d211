/**
 * Issue 13 for the serial binding, over socat pseudo-terminals: an ack means "committed to SQLite"
 * (checked from a second, read-only connection at the instant the MCU sees it; a refusing database
 * gets no ack), registered units are recognised after a gateway restart without a new hello, an
 * unknown unit is told so and re-registers without losing its readings, and an item whose result
 * was lost goes out again and is answered from the device's memory, not run twice.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { SerialBinding } from '../../../bindings/serial/serial-binding.js';
import { openPty, SerialMcu, type McuUnit, type SimPort, type SimPortEvents } from '../../../firmware-sim/serial/index.js';
import { DeviceTimeoutError } from '../../../protocols/errors.js';
import { decodeFrame } from '../../../protocols/serial/serial-frame.js';
import { startTestGateway, tempDir } from '../../helpers/gateway.js';
import { attachMcu, finalState, rigConfig, settle, startSerialRig, until, type SerialRig } from './serial-rig.js';
import { SocatPair } from './socat-pair.js';

const UNIT: McuUnit = { unit: 0, id: 'dur-1', description: { p: { temp: { u: 'Cel' } }, a: { pulse: { i: 'integer', o: 'integer' } } } };
const ID = 'urn:roost:serial:dur-1';

type Reader = InstanceType<typeof Database>;

function tempRows(db: Reader, thingId: string): number[] {
  return (db.prepare("SELECT value FROM history WHERE thing_id = ? AND name = 'temp' ORDER BY ts, seq").all(thingId) as Array<{ value: string }>).map((r) => JSON.parse(r.value) as number);
}


describe('serial: an acknowledgement means committed to SQLite', () => {
  let rig: SerialRig;
  let mcu: SerialMcu;
  let reader: Reader;
  let writer: Reader;
  before(async () => {
    // A long batch window: an ack sent before the commit would be seen long before the row exists.
    rig = await startSerialRig({}, { store: { historyBatchMaxMs: 250 } });
    mcu = await attachMcu(rig.pty.devicePath, { units: [UNIT], link: { ackTimeoutMs: 100, maxRetries: 15 } });
    await until(() => rig.gw.hub.listThings().items.some((t) => t.id === ID), 5000, 'registered');
    await settle(rig.serial);
    reader = new Database(join(rig.gw.dataDir, 'roost.db'), { readonly: true });
    writer = new Database(join(rig.gw.dataDir, 'roost.db'));
  });
  after(async () => {
    reader?.close();
    writer?.close();
    mcu?.detach();
    await rig?.stop();
  });

  it('each reading is in history (another connection reads it) at the moment the MCU sees its ack', async () => {
    const seenAtAck: Array<[number, boolean]> = [];
    for (let i = 1; i <= 5; i++) {
      // Checked synchronously in the ack's continuation: the gateway (same process) cannot commit in between.
      await mcu.telemetry(0, { temp: i }).then(() => seenAtAck.push([i, tempRows(reader, ID).includes(i)]));
    }
    assert.deepEqual(seenAtAck, [[1, true], [2, true], [3, true], [4, true], [5, true]]);
    // A copy the MCU sent again while the commit was pending (its ack timeout is short) was neither acked early nor stored twice.
    assert.deepEqual(tempRows(reader, ID), [1, 2, 3, 4, 5]);
  });

  it('a database that refuses the write gets no ack; once it takes writes again the next reading is acked and stored', async () => {
    const before = rig.serial.status().counters;
    writer.exec("CREATE TRIGGER refuse_history BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, 'test: the disk refuses'); END");
    await assert.rejects(mcu.telemetry(0, { temp: 100 }), DeviceTimeoutError, 'no ack for a reading that is not committed');
    const c = rig.serial.status().counters;
    assert.ok(c['commitFailures']! > before['commitFailures']!, JSON.stringify(c));
    assert.ok(c['acksWithheld']! > before['acksWithheld']!);
    writer.exec('DROP TRIGGER refuse_history');
    let acked = false;
    await mcu.telemetry(0, { temp: 101 }).then(() => (acked = tempRows(reader, ID).includes(101)));
    assert.ok(acked, 'acked and in history');
  });
});

describe('serial: identities survive a gateway restart', () => {
  it('a sleepy unit that wakes after the restart, without a hello, is recognised: its queued action runs and its reading is stored', async () => {
    const pty = new SocatPair();
    await pty.plug();
    const dataDir = tempDir('roost-serial-restart-');
    const ran: unknown[] = [];
    let gw = await startTestGateway(rigConfig(pty), { dataDir });
    let mcu: SerialMcu | null = null;
    try {
      mcu = await attachMcu(pty.devicePath, { units: [{ ...UNIT, sleepy: true }], onCommand: (c) => (ran.push(c.value), (c.value as number) * 10) });
      await until(() => gw.hub.listThings().items.some((t) => t.id === ID), 5000, 'registered');
      await settle(gw.binding('serial') as SerialBinding);
      await mcu.sleep(60000);
      await gw.stop();

      // Asked for hello once at open (helloTimeoutMs is long), while the MCU sleeps: it never hears it.
      gw = await startTestGateway(rigConfig(pty, { helloTimeoutMs: 60000 }), { dataDir });
      const serial = gw.binding('serial') as SerialBinding;
      await until(() => serial.status().state === 'running', 5000, 'port open after restart');
      const a = gw.hub.invokeAction(ID, 'pulse', 4);
      // The hello request at open goes again until its retries are spent (FAST: 4 sends 100 ms
      // apart, later under load): the MCU must have slept through all of them, or it answers one.
      await settle(serial, 600);
      assert.equal(gw.hub.getAction(a.id).state, 'queued');
      await mcu.wake();
      const v = await finalState(gw, a.id, 8000);
      assert.equal(v.state, 'completed', v.error);
      assert.equal(v.output, 40);
      await mcu.telemetry(0, { temp: 7.5 });
      assert.equal(gw.hub.readProperty(ID, 'temp')?.value, 7.5);
      const c = serial.status().counters;
      assert.equal(c['hellos'], 0, `no hello after the restart: ${JSON.stringify(c)}`);
      assert.equal(c['unitsRestored'], 1);
      assert.equal(c['framesNotStored'], 0);
      assert.deepEqual(ran, [4]);
    } finally {
      mcu?.detach();
      await gw.stop();
      await pty.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('serial: an unknown unit is told so and registers again without losing its reading', () => {
  let rig: SerialRig;
  let mcu: SerialMcu;
  before(async () => {
    // One hello request at open, before the MCU listens; after that the gateway asks only when it hears an unknown unit.
    rig = await startSerialRig({ helloTimeoutMs: 60000 });
    mcu = new SerialMcu({ units: [UNIT], link: { ackTimeoutMs: 100, maxRetries: 5 } });
    mcu.asleep = true; // deaf to whatever the line held
    await mcu.attach(openPty(rig.pty.devicePath), { hello: false });
    await sleep(300);
    mcu.asleep = false;
  });
  after(async () => {
    mcu?.detach();
    await rig?.stop();
  });

  it('telemetry of an unknown unit is not acked; the hello request for that unit makes the MCU re-register and send it again', async () => {
    await mcu.telemetry(0, { temp: 33 });
    assert.equal(rig.gw.hub.readProperty(ID, 'temp')?.value, 33, 'stored by the time the MCU saw the ack');
    const reader = new Database(join(rig.gw.dataDir, 'roost.db'), { readonly: true });
    try {
      assert.deepEqual(tempRows(reader, ID), [33], 'stored once');
    } finally {
      reader.close();
    }
    const c = rig.serial.status().counters;
    assert.ok(c['framesNotStored']! >= 1, JSON.stringify(c));
    assert.ok(c['unknownUnit']! >= 1);
    assert.equal(c['hellos'], 1);
    assert.equal(mcu.counters.unknownAnswers, 1);
    assert.equal(mcu.counters.resent, 1);
    assert.equal(rig.serial.status().gauges?.['unitsRemembered'], 1);
  });

  it('a unit whose thing an operator deleted is unknown again: told so, it registers anew and its reading is stored', async () => {
    await settle(rig.serial);
    rig.gw.hub.deleteThing(ID);
    await mcu.telemetry(0, { temp: 34 });
    assert.equal(rig.gw.hub.readProperty(ID, 'temp')?.value, 34);
    assert.equal(mcu.counters.unknownAnswers, 2);
    assert.equal(mcu.counters.resent, 2);
  });
});

/** The MCU's end of the line, losing every send of the first `result` frame (the result is lost, not the item). */
class LoseFirstResult extends EventEmitter<SimPortEvents> implements SimPort {
  lostSeq: number | null = null;
  lost = 0;
  constructor(private readonly inner: SimPort) {
    super();
    inner.on('data', (c) => this.emit('data', c));
    inner.on('close', () => this.emit('close'));
  }

  write(bytes: Buffer): void {
    const f = bytes.length > 1 && bytes[0] !== 0 ? decodeFrame(bytes.subarray(0, -1)) : null;
    if (f?.type === 0x07 && (this.lostSeq === null || this.lostSeq === f.seq)) {
      this.lostSeq = f.seq;
      this.lost++;
      return;
    }
    this.inner.write(bytes);
  }

  close(): void {
    this.inner.close();
  }
}

describe('serial: at-least-once delivery, executed once', () => {
  let rig: SerialRig;
  let mcu: SerialMcu;
  let port: LoseFirstResult;
  const ran: unknown[] = [];
  before(async () => {
    // The binding forgets an unanswered item after 300 ms; the hub sends it again after 700 ms.
    rig = await startSerialRig({ resultTimeoutMs: 300 }, { queue: { resultTimeoutMs: 700, maxAttempts: 3 } });
    mcu = await attachMcu(rig.pty.devicePath, { units: [UNIT], onCommand: (c) => (ran.push(c.value), (c.value as number) + 1) }, (p) => (port = new LoseFirstResult(p)));
    await until(() => rig.gw.hub.listThings().items.some((t) => t.id === ID), 5000, 'registered');
    await settle(rig.serial);
  });
  after(async () => {
    mcu?.detach();
    await rig?.stop();
  });

  it('a lost result: the hub sends the item again (same id), the MCU answers from its memory, the item completes, the action ran once', async () => {
    const a = rig.gw.hub.invokeAction(ID, 'pulse', 41);
    const v = await finalState(rig.gw, a.id, 8000);
    assert.equal(v.state, 'completed', v.error);
    assert.equal(v.output, 42);
    assert.equal(v.attempts, 2, 'delivered twice');
    assert.ok(port.lost >= 1, 'the first result was lost');
    assert.deepEqual(ran, [41], 'executed once');
    assert.deepEqual(mcu.commands.map((c) => [c.itemId, c.duplicate]), [[a.id, false], [a.id, true]]);
    assert.equal(mcu.counters.duplicateCommands, 1);
    const st = rig.serial.status();
    assert.equal(st.counters['resultsForgotten'], 1, 'the first delivery was forgotten by the binding, not failed');
    assert.equal(st.gauges?.['resultsAwaited'], 0, 'no correlation entry left behind');
  });
});
