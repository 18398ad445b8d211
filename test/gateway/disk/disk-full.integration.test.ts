/**
 * A gateway whose data dir is a tmpfs of 8 MiB, filled to the last byte: history writes meet
 * SQLITE_FULL and are kept, the disk watcher prunes history oldest-first (giving up its reserve
 * file so the DELETE has room), says so with a diskLow event and metrics, the action queue and a
 * new registration keep working, nothing crashes, and the database passes integrity_check after.
 * Needs `mount -t tmpfs` (root or CAP_SYS_ADMIN): the test fails, naming that, where it is not allowed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startGateway, type Gateway } from '../../../gateway/gateway.js';
import { createLogger } from '../../../gateway/logger.js';
import { deviceTd, TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, testConfig } from '../../helpers/gateway.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MIB = 1024 * 1024;

function mountTmpfs(dir: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`mount -t tmpfs is not permitted here (needs root or CAP_SYS_ADMIN): ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
  }
}

/** Writes zeros into a file until the file system refuses (ENOSPC); returns the bytes written. */
function fillUp(file: string): number {
  let n = 0;
  const chunk = Buffer.alloc(64 * 1024);
  for (let size = chunk.length; size >= 512; size = Math.floor(size / 2)) {
    for (;;) {
      try {
        writeFileSync(file, chunk.subarray(0, size), { flag: 'a' });
        n += size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        break;
      }
    }
  }
  return n;
}

let debug: (() => string) | null = null;
async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${debug ? ': ' + debug() : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a full data partition', () => {
  let mnt: string;
  let mounted = false;
  let gw: Gateway | null = null;

  before(() => {
    mnt = tempDir('roost-tmpfs-');
    mountTmpfs(mnt);
    mounted = true;
  });
  after(async () => {
    await gw?.stop().catch(() => undefined);
    if (mounted) execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  it('prunes history first, keeps queue and registrations working, fires diskLow, and leaves a whole database', async () => {
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 's1', sleepy: true }]);
    const dataDir = join(mnt, 'data');
    gw = await startGateway({
      config: testConfig({
        disk: { intervalMs: 100, lowFreeBytes: 1 * MIB, resumeFreeBytes: Math.floor(1.5 * MIB), pruneBatchRows: 2000, reserveBytes: 2 * MIB },
        store: { historyMaxRowsPerThing: 10_000_000, retentionIntervalS: 3600, walAutocheckpointPages: 100, journalSizeLimitBytes: 512 * 1024 },
      }),
      dataDir, logger: createLogger('silent'), extraBindings: [dev],
    });
    const ctx = dev.ctx!;
    const thing = 'urn:roost:testdev:s1';
    const metric = (name: string): number => gw!.maintenance.disk.metrics().find((m) => m.name === name)!.value;
    debug = () => JSON.stringify({ disk: gw!.maintenance.disk.metrics().map((x) => [x.name, x.value]), writeFailures: gw!.hub.historyStore.writeFailures, buffered: gw!.hub.historyStore.buffered });

    // About 2.5 MB of history.
    let ts = Date.now() - 10_000_000;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 1000; j++) ctx.reportProperties(thing, { temperature: 20 + (j % 100) / 10, brightness: j % 100 }, ts++);
      gw.hub.historyStore.flush();
    }
    const firstTs = gw.hub.history({ thingId: thing, name: 'temperature', limit: 1 })[0]!.ts;

    // Then the disk fills to the last byte: new history cannot be written.
    const filler = join(mnt, 'filler');
    fillUp(filler);
    assert.ok(statfsSync(mnt).bavail * statfsSync(mnt).bsize < 64 * 1024);
    // A burst bigger than the WAL's room: SQLITE_FULL, the rows stay buffered, nothing crashes.
    for (let j = 0; j < 3000; j++) ctx.reportProperties(thing, { temperature: 30, brightness: 50 }, ts++);
    gw.hub.historyStore.flush();
    assert.ok(gw.hub.historyStore.writeFailures > 0, 'history writes met the full disk');
    // Devices go on reporting, a few rows at a time, as they would.
    let reporting = true;
    const reporter = (async () => {
      while (reporting) {
        for (let j = 0; j < 10; j++) ctx.reportProperties(thing, { temperature: 30, brightness: 50 }, ts++);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await until('history pruned', () => metric('roost_disk_history_pruned_rows_total') > 0);
    reporting = false;
    await reporter;
    const events = await until('a diskLow event', () => {
      const e = gw!.hub.history({ thingId: 'urn:roost:system:gateway', name: 'diskLow' });
      return e.length > 0 ? e : undefined;
    });
    assert.equal((events[0]!.value as { lowFreeBytes: number }).lowFreeBytes, MIB);
    assert.ok(metric('roost_disk_free_bytes') >= MIB);
    const login = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const scraped = await (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.match(scraped, /roost_disk_history_pruned_rows_total \d+/);

    // The oldest went first; the newest, held back while the disk was full, got in once there was room.
    gw.hub.historyStore.flush();
    assert.ok(gw.hub.history({ thingId: thing, name: 'temperature', limit: 1 })[0]!.ts > firstTs);
    await until('the held-back rows written', () => gw!.hub.historyStore.buffered === 0);
    assert.equal(gw.hub.history({ thingId: thing, name: 'temperature', from: ts - 1, to: ts }).length, 1);

    // The queue and registrations still work on the full partition.
    const action = gw.hub.invokeAction(thing, 'blink', { times: 2 });
    assert.equal(action.state, 'queued');
    assert.equal(gw.hub.getAction(action.id).state, 'queued');
    const id = ctx.registerThing({ deviceId: 's2', nativeTd: deviceTd(), sleepy: true });
    assert.equal(gw.hub.getThing(id).id, id);

    await gw.stop();
    gw = null;
    rmSync(filler);
    const db = new Database(join(dataDir, 'roost.db'));
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(db.prepare('SELECT count(*) FROM actions').pluck().get(), 1);
    db.close();
  });
});
