/**
 * herdsman's real zstack adapter against the emulated coordinator over a pseudo-terminal
 * (socat, Debian package `socat`; missing socat fails this test): network formation, a
 * restart that resumes it, join and interview of a real model, an On/Off command.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Controller, setLogger } from 'zigbee-herdsman';
import { startZigbeeSim } from '../../../firmware-sim/zigbee/zigbee-sim.js';
import { tempDir } from '../../helpers/temp-dir.js';

const quiet = { debug: () => undefined, info: () => undefined, warning: () => undefined, error: () => undefined };

test('herdsman forms, resumes and controls a device through a pty', async () => {
  setLogger(quiet);
  const dir = tempDir('roost-znp-pty-');
  const sim = await startZigbeeSim();
  const pty = await sim.openPty(join(dir, 'ttyZNP'));
  const controller = () => new Controller({
    network: { panID: 0x2b3c, extendedPanID: [1, 2, 3, 4, 5, 6, 7, 8], channelList: [20], networkKey: [...Array(16).keys()] },
    serialPort: { path: pty.path, adapter: 'zstack' },
    databasePath: join(dir, 'db'), databaseBackupPath: join(dir, 'db.bak'), backupPath: join(dir, 'backup.json'),
    adapter: { disableLED: true }, acceptJoiningDeviceHandler: () => Promise.resolve(true),
  });
  try {
    let c = controller();
    assert.equal(await c.start(), 'reset');
    assert.deepEqual((await c.getNetworkParameters()).panID, 0x2b3c);
    await c.stop();
    c = controller();
    assert.equal(await c.start(), 'resumed');
    await c.permitJoin(60);
    const plug = sim.addDevice('smart-plug');
    const interviewed = new Promise<void>((resolve) => c.on('deviceInterview', (e) => { if (e.status === 'successful') resolve(); }));
    sim.join(plug);
    await interviewed;
    const dev = c.getDeviceByIeeeAddr(plug.ieee);
    assert.equal(dev?.modelID, 'SP 120');
    await dev?.getEndpoint(1)?.command('genOnOff', 'on', {});
    assert.equal(plug.get(1, 6, 0), true);
    await c.stop();
    assert.equal(sim.emulator.counters.unknownRequests, 0);
    assert.equal(sim.emulator.counters.badFcs, 0);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
