import assert from 'node:assert/strict';
import { closeSync, constants, openSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NoisyPort, openPty, type McuUnit, type SerialMcu } from '../../../firmware-sim/serial/index.js';
import { encodeFrame } from '../../../protocols/serial/serial-frame.js';
import type { SerialBinding } from '../../../bindings/serial/serial-binding.js';
import { ApiClient } from '../../helpers/api-client.js';
import { startTestGateway } from '../../helpers/gateway.js';
import { FAST, attachMcu, finalState, settle, startSerialRig, until, type SerialRig } from './serial-rig.js';
import { SocatPair } from './socat-pair.js';

const UNIT: McuUnit = { unit: 0, id: 'node-1', description: { p: { temp: { u: 'Cel' }, seq: { y: 'integer' } }, a: { pulse: { i: 'integer', o: 'integer' } } } };
const ID = 'urn:roost:serial:node-1';

const final = (rig: SerialRig, id: string, ms = 5000) => finalState(rig.gw, id, ms);

describe('serial: unplug and replug', () => {
  let rig: SerialRig;
  let mcu: SerialMcu;
  before(async () => {
    rig = await startSerialRig();
    mcu = await attachMcu(rig.pty.devicePath, { units: [UNIT] });
    await until(() => rig.gw.hub.listThings().items.some((t) => t.id === ID && t.online), 5000, 'registered');
  });
  after(async () => {
    mcu?.detach();
    await rig?.stop();
  });

  it('the port disappears: the thing goes offline; it returns: the gateway reopens with backoff and asks for hello again', async () => {
    const c0 = rig.serial.status().counters;
    await rig.pty.unplug();
    await until(() => !rig.gw.hub.getThing(ID).online, 3000, 'offline after unplug');
    assert.equal(rig.serial.status().state, 'absent');
    assert.match(rig.serial.status().detail ?? '', /gw/);
    // The device side notices the vanished pty on its own schedule (its read fails a moment later).
    await until(() => !mcu.attached, 3000, 'device side saw the unplug');
    await sleep(300); // a few failed reopen attempts while the path is gone
    await rig.pty.plug();
    // The MCU kept running while the cable was out: it says nothing until the gateway asks.
    await mcu.attach(openPty(rig.pty.devicePath), { hello: false });
    await until(() => rig.gw.hub.getThing(ID).online, 5000, 'online after replug');
    const c1 = rig.serial.status().counters;
    assert.ok(mcu.counters.helloRequests >= 1, 'gateway asked for hello');
    assert.equal(c1['portDisconnects'], c0['portDisconnects']! + 1);
    assert.ok(c1['portOpens']! >= c0['portOpens']! + 1);
    assert.ok(c1['portOpenFailures']! > c0['portOpenFailures']!, 'reopen attempts while unplugged');
    assert.ok(c1['hellos']! > c0['hellos']!);
    assert.equal(rig.serial.status().state, 'running');
    await mcu.telemetry(0, { temp: 19.25 });
    await until(() => rig.gw.hub.readProperty(ID, 'temp')?.value === 19.25);
  });

  it('an action queued while unplugged is delivered after the replug', async () => {
    await rig.pty.unplug();
    await until(() => !rig.gw.hub.getThing(ID).online, 3000, 'offline');
    const a = rig.gw.hub.invokeAction(ID, 'pulse', 5);
    await rig.pty.plug();
    await mcu.attach(openPty(rig.pty.devicePath));
    const v = await final(rig, a.id);
    assert.equal(v.state, 'completed', v.error);
    assert.equal(mcu.commands.filter((c) => c.name === 'pulse' && !c.duplicate).length, 1);
  });
});

describe('serial: line noise and bit flips', () => {
  let rig: SerialRig;
  let mcu: SerialMcu;
  let noisy: NoisyPort;
  const RETRIES = 8;
  before(async () => {
    rig = await startSerialRig({ maxRetries: RETRIES });
    mcu = await attachMcu(rig.pty.devicePath, { units: [UNIT], link: { ackTimeoutMs: 60, maxRetries: RETRIES }, onCommand: (c) => (c.value as number) + 1 }, (p) => {
      noisy = new NoisyPort(p, { seed: 'serial-noise-1', flipChance: 0.08, garbageChance: 0.04, maxGarbageBytes: 12 });
      return noisy;
    });
    await until(() => rig.gw.hub.listThings().items.some((t) => t.id === ID), 8000, 'registered through noise');
    // A second hello (the answer to the gateway's hello request) brings a second time sync; landing
    // among the readings it could set the MCU's clock back, and an older reading is no twin update.
    await settle(rig.serial, 400, 8000);
  });
  after(async () => {
    mcu?.detach();
    await rig?.stop();
  });

  it('no corrupted frame is accepted and no reading is lost within the retry budget', async () => {
    const seen: number[] = [];
    const sub = rig.gw.hub.subscribe((m) => {
      if (m.type === 'property' && m.name === 'seq') seen.push(m.value as number);
    }, { types: ['property'], thingId: ID });
    const N = 150;
    for (let i = 1; i <= N; i++) await mcu.telemetry(0, { seq: i, temp: 20 + i / 100 });
    await until(() => seen.length >= N, 5000, 'all readings');
    await sleep(100);
    sub.unsubscribe();
    assert.deepEqual(seen, Array.from({ length: N }, (_, i) => i + 1), 'every reading once, in order, nothing else');
    const c = rig.serial.status().counters;
    const dropped = c['droppedBadCrc']! + c['droppedBadCobs']! + c['droppedShort']! + c['droppedOversize']!;
    assert.ok(noisy.counters.bitsFlipped > 5 && noisy.counters.garbageBursts > 2, JSON.stringify(noisy.counters));
    assert.ok(dropped > 0, 'the gateway dropped and counted bad frames');
    assert.ok(c['duplicates']! + (mcu.linkCounters?.retries ?? 0) > 0, 'retries happened');
    assert.equal(c['droppedBadMessage'], 0, 'nothing with a good CRC was malformed');

    // The same counts reach operators through /metrics.
    const api = await ApiClient.login(rig.gw.httpUrl!);
    const text = (await api.get<string>('/metrics')).body;
    const metric = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    const crc = metric('roost_binding_serial_dropped_bad_crc_total');
    assert.ok(crc >= c['droppedBadCrc']!, `dropped_bad_crc ${crc} in /metrics`);
    const total = ['bad_crc', 'bad_cobs', 'short', 'oversize'].reduce((n, why) => n + metric(`roost_binding_serial_dropped_${why}_total`), 0);
    assert.ok(total >= dropped, `dropped frames in /metrics: ${total}, counted before: ${dropped}`);
  });

  it('actions through the noise: each runs once on the device and completes', async () => {
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push(rig.gw.hub.invokeAction(ID, 'pulse', i).id);
    for (const [i, id] of ids.entries()) {
      const v = await final(rig, id, 8000);
      assert.equal(v.state, 'completed', `${i}: ${v.error}`);
      assert.equal(v.output, i + 1);
    }
    const runs = mcu.commands.filter((c) => c.name === 'pulse' && !c.duplicate).map((c) => c.value);
    assert.deepEqual(runs, Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('serial: a sleepy MCU gets its queued action when it wakes', () => {
  let rig: SerialRig;
  let mcu: SerialMcu;
  before(async () => {
    rig = await startSerialRig();
    mcu = await attachMcu(rig.pty.devicePath, { units: [{ ...UNIT, id: 'sleepy-1', sleepy: true }], onCommand: (c) => c.value });
    await until(() => rig.gw.hub.listThings().items.some((t) => t.id === 'urn:roost:serial:sleepy-1'), 5000, 'registered');
    await settle(rig.serial);
  });
  after(async () => {
    mcu?.detach();
    await rig?.stop();
  });

  it('queued while asleep, delivered on the wake notice, completed once', async () => {
    const id = 'urn:roost:serial:sleepy-1';
    assert.equal((rig.gw.hub.getThing(id).nativeTd as { description?: string }).description?.includes('sleepy'), true);
    await mcu.sleep(60000);
    const a = rig.gw.hub.invokeAction(id, 'pulse', 7);
    await sleep(300);
    assert.equal(rig.gw.hub.getAction(a.id).state, 'queued');
    assert.equal(mcu.commands.length, 0);
    assert.equal(mcu.counters.bytesWhileAsleep, 0, 'the gateway sent nothing to a sleeping MCU');
    await mcu.wake();
    const v = await final(rig, a.id);
    assert.equal(v.state, 'completed', v.error);
    assert.equal(v.output, 7);
    assert.deepEqual(mcu.commands.map((c) => [c.name, c.value, c.duplicate]), [['pulse', 7, false]]);
    assert.ok(rig.serial.status().counters['wakes']! >= 1 && rig.serial.status().counters['sleeps']! >= 1);
  });

  it('an MCU that fell asleep without notice: the delivery is retried at its next wake', async () => {
    const id = 'urn:roost:serial:sleepy-1';
    mcu.asleep = true; // deaf, and the gateway was not told
    const packs = rig.serial.status().counters['telemetryPacks']!;
    // Opens the awake window; the gateway's ack is lost on the deaf MCU, which retries in vain.
    const sent = mcu.telemetry(0, { temp: 1 }).catch(() => undefined);
    await until(() => rig.serial.status().counters['telemetryPacks']! > packs, 3000, 'telemetry in');
    const a = rig.gw.hub.invokeAction(id, 'pulse', 9);
    await until(() => rig.serial.status().counters['deliveryRetries']! >= 1, 3000, 'delivery retried');
    await sent;
    assert.equal(rig.gw.hub.getAction(a.id).state, 'queued');
    await mcu.wake();
    const v = await final(rig, a.id);
    assert.equal(v.state, 'completed', v.error);
    assert.equal(mcu.commands.filter((c) => c.value === 9 && !c.duplicate).length, 1);
  });
});

describe('serial: a port whose device node vanishes while its file descriptor lives on', () => {
  it('is closed as disconnected by the presence check, and reopened when the node returns', async () => {
    // The gateway opens an alias of the pty. Removing the alias takes the node away while the pty
    // (and the gateway's descriptor) stays alive, so only the presence check can notice.
    const pty = new SocatPair();
    await pty.plug();
    const alias = join(pty.dir, 'alias');
    symlinkSync(pty.gatewayPath, alias);
    const gw = await startTestGateway({ bindings: { serial: { enabled: true, ports: [{ path: alias }], ...FAST, presenceCheckMs: 50 } } });
    try {
      const serial = gw.binding('serial') as SerialBinding;
      await until(() => serial.status().state === 'running', 5000, 'port open');
      const before = serial.status().counters['portDisconnects']!;
      unlinkSync(alias);
      await until(() => serial.status().state === 'absent', 3000, 'closed after the node vanished');
      assert.equal(serial.status().counters['portDisconnects'], before + 1);
      assert.match(serial.status().detail ?? '', /vanished|no such file/i);
      symlinkSync(pty.gatewayPath, alias);
      await until(() => serial.status().state === 'running', 5000, 'reopened when the node returned');
    } finally {
      await gw.stop();
      await pty.close();
    }
  });
});

describe('serial: a device that keeps sending but stops reading', () => {
  it('gets no more than maxWriteBacklogBytes buffered for it, counted; the port serves again once it reads', async () => {
    const rig = await startSerialRig({ maxWriteBacklogBytes: 1024 });
    // The device end, opened and never read: every frame it sends is acked into a pty nobody drains.
    const fd = openSync(rig.pty.devicePath, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    let open = true;
    try {
      const frames = Buffer.concat(Array.from({ length: 256 }, (_, seq) => encodeFrame({ type: 0x09, seq, unit: 3, payload: Buffer.alloc(0) })));
      // Well past what the pty itself buffers (tens of KiB): before the limit, every byte of it stayed in the gateway's memory.
      let sent = 0;
      // Bounded in time too: a gateway that stopped draining the pty fails the checks below instead of hanging the file.
      const deadline = Date.now() + 30_000;
      while (sent < 200_000 && Date.now() < deadline) {
        try {
          sent += writeSync(fd, frames);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        }
        await sleep(1);
      }
      await until(() => rig.serial.status().counters['framesIn']! * frames.length / 256 >= sent * 0.9, 15000, 'frames read by the gateway');
      const st = rig.serial.status();
      assert.ok(st.counters['writesRefused']! > 1000, `writesRefused ${st.counters['writesRefused']}`);
      assert.ok(st.gauges!['writeBacklogBytes']! <= 1024, `writeBacklogBytes ${st.gauges!['writeBacklogBytes']}`);
      closeSync(fd);
      open = false;
      // A device that reads again (an MCU reset) is served on the same port.
      const mcu = await attachMcu(rig.pty.devicePath, { units: [UNIT] });
      try {
        await until(() => rig.gw.hub.listThings().items.some((t) => t.id === ID && t.online), 15000, 'registered after the stall');
        await mcu.telemetry(0, { temp: 23.5 });
        await until(() => rig.gw.hub.readProperty(ID, 'temp')?.value === 23.5, 10000, 'reading through');
        await until(() => rig.serial.status().gauges!['writeBacklogBytes'] === 0, 5000, 'nothing left unread');
      } finally {
        mcu.detach();
      }
    } finally {
      if (open) closeSync(fd);
      await rig.stop();
    }
  });
});
