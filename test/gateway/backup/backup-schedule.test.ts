import assert from 'node:assert/strict';
import { createReadStream, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { archiveName, BackupScheduler, nextRun, parseSchedule } from '../../../gateway/backup/backup-schedule.js';
import { stageRestore } from '../../../gateway/backup/backup-restore.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { ConfigInvalidError } from '../../../protocols/errors.js';
import { tempDir } from '../../helpers/gateway.js';

const PASS = 'scheduled backup passphrase';

describe('backup schedule', () => {
  it('reads "off", "every N[smh]" and "daily HH:MM", and names the next run', () => {
    assert.equal(nextRun(parseSchedule('off'), 0), null);
    assert.equal(nextRun(parseSchedule('every 90s'), 1000), 91_000);
    assert.equal(nextRun(parseSchedule('every 2h'), 0), 7_200_000);
    const daily = parseSchedule('daily 03:30');
    const morning = new Date(2026, 11, 6, 1, 0, 0).getTime();
    assert.equal(nextRun(daily, morning), new Date(2026, 11, 6, 3, 30).getTime());
    const evening = new Date(2026, 11, 6, 3, 30, 0).getTime();
    assert.equal(nextRun(daily, evening), new Date(2026, 11, 7, 3, 30).getTime(), 'at the time itself: the next day');
    for (const bad of ['daily 24:00', 'every 0s', 'weekly', 'daily 3:30']) assert.throws(() => parseSchedule(bad), ConfigInvalidError, bad);
    assert.ok(archiveName(1) < archiveName(2) && archiveName(2) < archiveName(86_400_000));
  });

  it('writes restorable archives into the data partition and keeps only the newest `keep`', async () => {
    const dir = tempDir('roost-sched-');
    const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
    db.prepare("INSERT INTO meta (key, value) VALUES ('box', 'this one')").run();
    let now = Date.UTC(2026, 11, 6, 10, 0, 0);
    const s = new BackupScheduler({ dataDir: dir, db, config: { schedule: 'every 1h', keep: 2, dir: 'backups' }, passphrase: PASS, now: () => now });
    writeFileSync(join(dir, 'notes.txt'), 'kept');
    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      const f = await s.runOnce();
      assert.ok(f);
      made.push(f);
      now += 3_600_000;
    }
    const left = readdirSync(join(dir, 'backups')).sort();
    assert.deepEqual(left, made.slice(2).map((f) => f.split('/').at(-1)), 'the two oldest were deleted');
    assert.equal(s.runs, 4);
    assert.equal(s.pruned, 2);
    const m = Object.fromEntries(s.metrics().map((x) => [x.name, x.value]));
    assert.equal(m['roost_backup_scheduled_total'], 4);
    assert.equal(m['roost_backup_last_success_timestamp_seconds'], Math.floor((now - 3_600_000) / 1000));
    // The newest archive restores; it holds no earlier archives (backups/ is never in one).
    const target = tempDir('roost-sched-restore-');
    const r = await stageRestore(createReadStream(made[3]!), { dataDir: target, passphrase: PASS });
    assert.ok(r.manifest.files.includes('data/notes.txt'));
    assert.ok(!r.manifest.files.some((f) => f.includes('backups/')));
    db.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  });

  it('runs on its timer and stops; a failed run is counted, not thrown', async () => {
    const dir = tempDir('roost-sched-');
    const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
    const s = new BackupScheduler({ dataDir: dir, db, config: { schedule: 'every 1s', keep: 5, dir: 'backups' }, passphrase: PASS });
    s.start();
    const end = Date.now() + 15_000;
    while (s.runs < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await s.stop();
    assert.ok(s.runs >= 2, `ran ${s.runs} times`);
    const n = readdirSync(join(dir, 'backups')).length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(readdirSync(join(dir, 'backups')).length, n, 'nothing after stop');
    db.close();
    // The database is gone: the run fails, is logged and counted.
    const warnings: string[] = [];
    const broken = new BackupScheduler({ dataDir: dir, db, config: { schedule: 'every 1h', keep: 1, dir: 'backups' }, passphrase: PASS, log: { info: () => undefined, warn: (_o, m) => warnings.push(m) } });
    assert.equal(await broken.runOnce(), null);
    assert.equal(broken.failures, 1);
    assert.deepEqual(warnings, ['scheduled backup failed']);
    rmSync(dir, { recursive: true, force: true });
  });
});
