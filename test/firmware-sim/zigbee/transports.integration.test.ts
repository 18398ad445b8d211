/** The emulator's TCP link: hostile chunking over a real socket, unplug and plug in with NV kept. */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { MtFramer } from '../../../protocols/znp/mt-framer.js';
import type { MtFrame } from '../../../protocols/znp/mt-frame.js';
import { ZnpEmulator } from '../../../firmware-sim/zigbee/znp-emulator.js';
import { serveTcp } from '../../../firmware-sim/zigbee/transports.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

async function open(port: number): Promise<{ sock: Socket; frames: MtFrame[] }> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  const framer = new MtFramer();
  const frames: MtFrame[] = [];
  sock.on('data', (d) => frames.push(...framer.push(d)));
  return { sock, frames };
}

async function until(fn: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('garbage and a request written one byte at a time still get their answer', async () => {
  const emu = new ZnpEmulator();
  const tcp = await serveTcp(emu);
  try {
    const { sock, frames } = await open(tcp.port);
    for (const b of hex('00 ef 13 fe 00 21 01 20')) {
      sock.write(Uint8Array.of(b));
      await new Promise((r) => setImmediate(r));
    }
    await until(() => frames.length === 1);
    assert.deepEqual([frames[0]?.type, frames[0]?.commandId, [...(frames[0]?.data ?? [])]], [3, 0x01, [0x79, 0x01]]);
    assert.equal(emu.counters.droppedBytes, 3);
    sock.destroy();
  } finally {
    await tcp.close();
    emu.close();
  }
});

test('unplug drops the host and stops listening; plug in listens on the same port with NV kept', async () => {
  const emu = new ZnpEmulator();
  const tcp = await serveTcp(emu);
  try {
    const { sock } = await open(tcp.port);
    emu.nv.items.set(0x0400, Buffer.from([1, 2, 3]));
    const closed = new Promise((r) => sock.once('close', r));
    await tcp.unplug();
    await closed;
    await assert.rejects(open(tcp.port));
    await tcp.plugIn();
    const again = await open(tcp.port);
    again.sock.write(hex('fe 02 21 13 00 04 34')); // SYS_OSAL_NV_LENGTH id 0x0400
    await until(() => again.frames.length === 1);
    assert.deepEqual([...(again.frames[0]?.data ?? [])], [3, 0]);
    again.sock.destroy();
  } finally {
    await tcp.close();
    emu.close();
  }
});
