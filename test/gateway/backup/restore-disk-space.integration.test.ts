/**
 * A restore onto a data partition without room for it (a tmpfs of 8 MiB): refused with
 * PayloadTooLargeError before a byte of the too large entry is written, or when the file system
 * fills up meanwhile; either way the staging folder is gone, nothing is pending, and the room is
 * free again. Needs `mount -t tmpfs` (root or CAP_SYS_ADMIN): the test fails, naming that, where
 * it is not allowed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBackup, DB_ENTRY } from '../../../gateway/backup/backup-create.js';
import { PENDING_DIR, stageRestore } from '../../../gateway/backup/backup-restore.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KDF = { log2N: 10, r: 8, p: 1 };
const PASS = 'correct horse battery';
const MIB = 1024 * 1024;

async function archiveOf(dataDir: string, blobBytes: number): Promise<Buffer> {
  const db = openDatabase({ dataDir, synchronous: 'normal' });
  // Random bytes as hex: a database that takes room whatever the archive's compression.
  if (blobBytes > 0) db.prepare("INSERT INTO meta (key, value) VALUES ('blob', ?)").run(randomBytes(blobBytes / 2).toString('hex'));
  const parts: Buffer[] = [];
  for await (const c of createBackup({ dataDir, db, passphrase: PASS, kdf: KDF })) parts.push(c);
  db.close();
  return Buffer.concat(parts);
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

describe('a restore onto a partition without room for it', () => {
  let root: string;
  let mnt: string;
  let mounted = false;
  let big: Buffer;
  let small: Buffer;
  const free = () => { const s = statfsSync(mnt); return s.bavail * s.bsize; };
  const leftovers = () => readdirSync(mnt).filter((f) => f.startsWith('restore-'));

  before(async () => {
    root = tempDir();
    big = await archiveOf(join(root, 'big'), 12 * MIB);
    small = await archiveOf(join(root, 'small'), 0);
    mnt = tempDir('roost-tmpfs-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`mount -t tmpfs is not permitted here (needs root or CAP_SYS_ADMIN): ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
    }
    mounted = true;
  });
  after(() => {
    if (mounted) execFileSync('umount', [mnt]);
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses an entry larger than the free space before writing it', async () => {
    const before = free();
    await assert.rejects(stageRestore(once(big), { dataDir: mnt, passphrase: PASS }), (err: Error & { code?: string }) => {
      assert.equal(err.name, 'PayloadTooLargeError');
      assert.equal(err.code, 'ROOST_ERR_PAYLOAD_TOO_LARGE');
      assert.match(err.message, /db\/roost\.db is \d+ bytes; the data partition has \d+ free and keeps 0 \(disk\.lowFreeBytes\): nothing was restored/);
      return true;
    });
    assert.deepEqual(leftovers(), []);
    assert.equal(free(), before);
  });

  it('keeps keepFreeBytes for the running gateway: an entry that fits but would eat into it is refused', async () => {
    await assert.rejects(stageRestore(once(small), { dataDir: mnt, passphrase: PASS, keepFreeBytes: free() }), /keeps \d+ \(disk\.lowFreeBytes\)/);
    assert.deepEqual(leftovers(), []);
  });

  it('turns a file system that fills up while staging (ENOSPC) into the same typed error, and cleans up', async () => {
    const before = free();
    // The free-space check is told there is room: the write itself meets the full file system.
    await assert.rejects(stageRestore(once(big), { dataDir: mnt, passphrase: PASS, freeBytes: async () => 1024 * MIB }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ROOST_ERR_PAYLOAD_TOO_LARGE');
      assert.match(err.message, /filled up while the archive was staged \(ENOSPC\): nothing was restored/);
      return true;
    });
    assert.deepEqual(leftovers(), []);
    assert.equal(free(), before);
  });

  it('stages an archive that fits', async () => {
    const r = await stageRestore(once(small), { dataDir: mnt, passphrase: PASS, keepFreeBytes: 1 * MIB });
    assert.ok(r.manifest.files.includes(DB_ENTRY));
    assert.deepEqual(leftovers(), [PENDING_DIR]);
  });
});
