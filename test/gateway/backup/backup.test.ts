import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBackup, excludedFromBackup } from '../../../gateway/backup/backup-create.js';
import { applyPendingRestore, oscoreMargin, PENDING_DIR, RESTORED_CONFIG, stageRestore } from '../../../gateway/backup/backup-restore.js';
import { encryptArchive, HEADER_BYTES, SEGMENT_BYTES } from '../../../gateway/backup/backup-crypto.js';
import { writeContainer } from '../../../gateway/backup/backup-container.js';
import { openDatabase, type Db } from '../../../gateway/store/database.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KDF = { log2N: 10, r: 8, p: 1 };
const PASS = 'correct horse battery';
const T0 = Date.UTC(2025, 0, 1);

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts);
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  // Odd chunk sizes: the readers must not depend on how the bytes arrive.
  for (let i = 0; i < b.length; i += 7777) yield b.subarray(i, i + 7777);
}

/** Every file under dir with its SHA-256: "nothing changed" is this map staying equal. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else out[r] = createHash('sha256').update(readFileSync(join(dir, r))).digest('hex');
    }
  };
  walk('');
  return out;
}

function seed(db: Db, rows: number): void {
  const now = T0;
  db.prepare("INSERT INTO things (id, binding, device_id, native_td, consumer_td, sleepy, created_at, updated_at) VALUES ('urn:roost:coap:s1', 'coap', 's1', '{}', '{}', 1, ?, ?)").run(now, now);
  const ins = db.prepare("INSERT INTO history (thing_id, name, ts, seq, kind, value) VALUES ('urn:roost:coap:s1', 'temperature', ?, ?, 0, ?)");
  db.transaction(() => { for (let i = 0; i < rows; i++) ins.run(now + i, i, JSON.stringify(20 + (i % 10) + 'x'.repeat(40))); })();
  db.prepare("INSERT INTO actions (id, seq, thing_id, kind, name, input, state, created_at, updated_at, expires_at, transitions) VALUES ('a1', 1, 'urn:roost:coap:s1', 'action', 'blink', '{}', 'queued', ?, ?, ?, '[]')").run(now, now, now + 86400000);
  db.prepare("INSERT INTO users (username, role, password_hash, password_changed_at, created_at) VALUES ('admin', 'admin', 'scrypt$x', ?, ?)").run(now, now);
  db.prepare("INSERT INTO devices (binding, device_id, state, credentials, source, created_at, updated_at) VALUES ('coap', 's1', 'approved', ?, 'manifest', ?, ?)").run(JSON.stringify({ oscore: { masterSecret: '00'.repeat(16), senderId: '01', recipientId: '02' } }), now, now);
  db.prepare("INSERT INTO binding_state (binding, key, value) VALUES ('coap', 'oscore:seq:s1', '640'), ('coap', 's1', '{\"ep\":\"s1\"}')").run();
}

describe('what a backup leaves out', () => {
  it('the live database, the backup machinery, the disk reserve and an update being uploaded; nothing else', () => {
    for (const n of ['roost.db', 'roost.db-wal', 'roost.db-shm', 'backups', '.backup-1', 'restore-pending', '.disk-reserve', 'update-upload']) assert.ok(excludedFromBackup(n), n);
    for (const n of ['zigbee', 'tls', 'firmware', 'roost.db.old', 'config-changes.json']) assert.equal(excludedFromBackup(n), false, n);
  });
});

describe('backup archive: create and restore', () => {
  let root: string;
  let src: string;
  let db: Db;
  let archive: Buffer;

  before(async () => {
    root = tempDir('roost-backup-');
    src = join(root, 'src');
    db = openDatabase({ dataDir: src, synchronous: 'full' });
    // Enough rows that the database spans several encrypted segments.
    seed(db, 3000);
    mkdirSync(join(src, 'zigbee'));
    writeFileSync(join(src, 'zigbee', 'network.json'), JSON.stringify({ panId: 0x1a62, extendedPanId: 'dddddddddddddddd', channel: 15, networkKey: '01'.repeat(16) }), { mode: 0o600 });
    writeFileSync(join(src, 'zigbee', 'coordinator_backup.json'), '{"metadata":{"format":"zigpy/open-coordinator-backup","version":1}}');
    mkdirSync(join(src, 'tls'));
    writeFileSync(join(src, 'tls', 'key.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', { mode: 0o600 });
    chmodSync(join(src, 'tls', 'key.pem'), 0o600);
    // The gateway keeps writing while the backup runs: the online backup takes a consistent snapshot.
    const writer = setInterval(() => db.prepare("INSERT INTO history (thing_id, name, ts, seq, kind, value) VALUES ('urn:roost:coap:s1', 'temperature', ?, ?, 0, '1')").run(T0 + 1e7 + Math.random() * 1e6, 1e9 + Math.floor(Math.random() * 1e9)), 1);
    try {
      archive = await collect(createBackup({ dataDir: src, db, passphrase: PASS, configText: 'http:\n  port: 8080\n', now: T0 + 3600_000, kdf: KDF }));
    } finally {
      clearInterval(writer);
    }
  });

  after(() => {
    db.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is encrypted: no secret or key appears in the archive', () => {
    assert.equal(archive.subarray(0, 8).toString('latin1'), 'ROOSTBAK');
    assert.ok(archive.length > HEADER_BYTES + SEGMENT_BYTES, 'several segments');
    for (const needle of ['BEGIN PRIVATE KEY', 'masterSecret', '0101010101010101', 'SQLite format 3', 'temperature']) {
      assert.equal(archive.includes(Buffer.from(needle)), false, needle);
    }
    assert.equal(readdirSync(src).some((n) => n.startsWith('.backup-')), false, 'the temporary copy is gone');
  });

  it('restores onto a fresh data dir: things, history, queue, users, devices, Zigbee network, TLS key, config', async () => {
    const dest = join(root, 'fresh');
    const restoredAt = T0 + 2 * 3600_000;
    const r = await stageRestore(once(archive), { dataDir: dest, passphrase: PASS, now: restoredAt });
    assert.equal(r.oscoreContexts, 1);
    assert.equal(r.ageMs, 3600_000);
    assert.ok(existsSync(join(dest, PENDING_DIR)));
    assert.equal(existsSync(join(dest, 'roost.db')), false, 'staged only');
    assert.equal(await applyPendingRestore(dest), true);
    assert.equal(existsSync(join(dest, PENDING_DIR)), false);
    const out = openDatabase({ dataDir: dest, synchronous: 'full' });
    try {
      const count = (d: Db, sql: string): number => d.prepare(sql).pluck().get() as number;
      for (const t of ['things', 'actions', 'users', 'devices']) assert.equal(count(out, `SELECT COUNT(*) FROM ${t}`), count(db, `SELECT COUNT(*) FROM ${t}`), t);
      assert.ok(count(out, 'SELECT COUNT(*) FROM history') >= 3000);
      assert.equal(out.prepare("SELECT credentials FROM devices WHERE device_id = 's1'").pluck().get(), db.prepare("SELECT credentials FROM devices WHERE device_id = 's1'").pluck().get());
      assert.equal(out.prepare("SELECT state FROM actions WHERE id = 'a1'").pluck().get(), 'queued');
      // OSCORE: the gateway's sequence numbers jump past anything it can have sent since the backup.
      const seq = JSON.parse(out.prepare("SELECT value FROM binding_state WHERE key = 'oscore:seq:s1'").pluck().get() as string) as number;
      assert.equal(seq, 640 + oscoreMargin(3600_000));
      assert.equal(seq, 640 + 2 ** 24 + 3600 * 100);
      assert.equal(out.prepare("SELECT value FROM binding_state WHERE key = 's1'").pluck().get(), '{"ep":"s1"}');
    } finally {
      out.close();
    }
    for (const f of ['zigbee/network.json', 'zigbee/coordinator_backup.json', 'tls/key.pem']) {
      assert.deepEqual(readFileSync(join(dest, f)), readFileSync(join(src, f)), f);
    }
    assert.equal(statSync(join(dest, 'tls', 'key.pem')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dest, RESTORED_CONFIG), 'utf8'), 'http:\n  port: 8080\n');
  });

  it('replaces an existing database and drops its old WAL', async () => {
    const dest = join(root, 'used');
    const other = openDatabase({ dataDir: dest, synchronous: 'full' });
    other.prepare("INSERT INTO users (username, role, password_hash, password_changed_at, created_at) VALUES ('someone', 'viewer', 'x', 1, 1)").run();
    other.close();
    writeFileSync(join(dest, 'roost.db-wal'), Buffer.alloc(4096, 0xab));
    await stageRestore(once(archive), { dataDir: dest, passphrase: PASS, now: T0 + 3600_000 });
    await applyPendingRestore(dest);
    assert.equal(existsSync(join(dest, 'roost.db-wal')), false);
    const out = openDatabase({ dataDir: dest, synchronous: 'full' });
    try {
      assert.deepEqual(out.prepare('SELECT username FROM users').pluck().all(), ['admin']);
    } finally {
      out.close();
    }
  });

  describe('a bad archive changes nothing', () => {
    let dest: string;
    let before0: Record<string, string>;
    before(() => {
      dest = join(root, 'victim');
      const d = openDatabase({ dataDir: dest, synchronous: 'full' });
      d.prepare("INSERT INTO users (username, role, password_hash, password_changed_at, created_at) VALUES ('keep', 'admin', 'x', 1, 1)").run();
      d.close();
      mkdirSync(join(dest, 'zigbee'));
      writeFileSync(join(dest, 'zigbee', 'network.json'), '{"panId":1}');
      before0 = snapshot(dest);
    });
    const unchanged = (): void => assert.deepEqual(snapshot(dest), before0);

    it('a wrong passphrase', async () => {
      await assert.rejects(stageRestore(once(archive), { dataDir: dest, passphrase: 'not the passphrase' }), (e: Error & { code?: string }) => {
        assert.match(e.message, /wrong passphrase/);
        assert.equal(e.code, 'ROOST_ERR_BAD_REQUEST');
        return true;
      });
      unchanged();
    });

    it('a truncated archive, cut anywhere (header, first segment, a segment boundary, the last byte)', async () => {
      const cuts = [0, 10, HEADER_BYTES, HEADER_BYTES + 3, HEADER_BYTES + 1000, HEADER_BYTES + 4 + SEGMENT_BYTES + 16, archive.length - 1];
      for (const cut of cuts) {
        await assert.rejects(stageRestore(once(archive.subarray(0, cut)), { dataDir: dest, passphrase: PASS }), (e: Error) => {
          assert.match(e.message, /truncated|shorter than its header/, `cut at ${cut}: ${e.message}`);
          return true;
        });
        unchanged();
      }
    });

    it('a flipped byte and extra bytes after the end', async () => {
      const flipped = Buffer.from(archive);
      flipped.writeUInt8(flipped.readUInt8(HEADER_BYTES + 5000) ^ 1, HEADER_BYTES + 5000);
      await assert.rejects(stageRestore(once(flipped), { dataDir: dest, passphrase: PASS }), /damaged archive: segment 0 fails/);
      await assert.rejects(stageRestore(once(Buffer.concat([archive, Buffer.from('x')])), { dataDir: dest, passphrase: PASS }), /bytes after the final segment/);
      unchanged();
    });

    it('an archive from a newer version: a newer envelope format, or a newer database schema', async () => {
      const newer = Buffer.from(archive);
      newer.writeUInt16BE(2, 8);
      await assert.rejects(stageRestore(once(newer), { dataDir: dest, passphrase: PASS }), /format version 2, newer than this gateway reads \(1\)/);
      unchanged();
      const future = join(root, 'future');
      const fdb = openDatabase({ dataDir: future, synchronous: 'full' });
      fdb.pragma('user_version = 99');
      const fa = await collect(createBackup({ dataDir: future, db: fdb, passphrase: PASS, kdf: KDF }));
      fdb.close();
      await assert.rejects(stageRestore(once(fa), { dataDir: dest, passphrase: PASS }), /newer Roost \(database schema 99/);
      unchanged();
    });

    it('a manifest that is not one, in an archive sealed with the passphrase (a typed error, not a crash)', async () => {
      for (const text of ['{not json', 'null', '[]', '{"format":1}']) {
        const bytes = Buffer.from(text);
        const plain = writeContainer([{ name: 'manifest.json', mode: 0o600, size: bytes.length, open: async function* () { yield bytes; } }]);
        const sealed = await collect(encryptArchive(plain, PASS, { kdf: KDF }));
        await assert.rejects(stageRestore(once(sealed), { dataDir: dest, passphrase: PASS }), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'ROOST_ERR_BAD_REQUEST', `${text}: ${e.message}`);
          assert.match(e.message, /damaged archive: manifest\.json/);
          return true;
        });
        unchanged();
      }
    });

    it('a second restore while one is staged: 409, and the first completes', async () => {
      const other = join(root, 'concurrent');
      const first = stageRestore(once(archive), { dataDir: other, passphrase: PASS });
      await assert.rejects(stageRestore(once(archive), { dataDir: other, passphrase: PASS }), (e: Error & { code?: string }) => e.code === 'ROOST_ERR_CONFLICT');
      assert.equal((await first).manifest.format, 1);
      assert.ok(existsSync(join(other, PENDING_DIR)));
    });

    it('not a backup at all', async () => {
      await assert.rejects(stageRestore(once(Buffer.alloc(200, 0x41)), { dataDir: dest, passphrase: PASS }), /not a Roost backup/);
      unchanged();
    });
  });
});
