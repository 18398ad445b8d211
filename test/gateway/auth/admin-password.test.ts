/**
 * The first admin's password comes from config or ROOST_ADMIN_PASSWORD on the first start only;
 * on a later start a different one is not silently ignored: the log says it was not applied.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { Users } from '../../../gateway/auth/users.js';
import { createLogger } from '../../../gateway/logger.js';
import { openDatabase, type Db } from '../../../gateway/store/database.js';
import { tempDir } from '../../helpers/gateway.js';

function logSink() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  }));
  return { logger, warnings: () => lines.filter((l) => l['level'] === 40 || l['level'] === 'warn').map((l) => String(l['msg'])) };
}

describe('admin password on a later start', () => {
  const dirs: string[] = [];
  const saved = process.env['ROOST_ADMIN_PASSWORD'];
  const open = (): Db => {
    const dir = tempDir();
    dirs.push(dir);
    return openDatabase({ dataDir: dir, synchronous: 'normal', file: ':memory:' });
  };
  afterEach(() => {
    if (saved === undefined) delete process.env['ROOST_ADMIN_PASSWORD'];
    else process.env['ROOST_ADMIN_PASSWORD'] = saved;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a different ROOST_ADMIN_PASSWORD is logged as not applied; the stored password still works', async () => {
    const db = open();
    const users = new Users(db, 3600);
    process.env['ROOST_ADMIN_PASSWORD'] = 'first-password-1';
    const first = logSink();
    await users.ensureAdmin('admin', undefined, first.logger, () => undefined);
    assert.deepEqual(first.warnings(), []);

    process.env['ROOST_ADMIN_PASSWORD'] = 'second-password-2';
    const later = logSink();
    await (await users.ensureAdmin('admin', undefined, later.logger, () => undefined)).checked;
    assert.equal(later.warnings().length, 1);
    assert.match(later.warnings()[0] ?? '', /^ROOST_ADMIN_PASSWORD is set but was not applied/);
    await assert.rejects(users.login('admin', 'second-password-2'), { code: 'ROOST_ERR_UNAUTHENTICATED' });
    assert.ok((await users.login('admin', 'first-password-1')).token);
    db.close();
  });

  it('the same password again, or none, logs nothing; a configured one is named as auth.adminPassword', async () => {
    const db = open();
    const users = new Users(db, 3600);
    delete process.env['ROOST_ADMIN_PASSWORD'];
    await users.ensureAdmin('admin', 'config-password-1', logSink().logger, () => undefined);
    for (const given of ['config-password-1', undefined]) {
      const again = logSink();
      await (await users.ensureAdmin('admin', given, again.logger, () => undefined)).checked;
      assert.deepEqual(again.warnings(), [], String(given));
    }
    const changed = logSink();
    const pending = await users.ensureAdmin('admin', 'config-password-2', changed.logger, () => undefined);
    // The start goes on before the scrypt comparison ends; the warning comes when it does.
    assert.deepEqual(changed.warnings(), []);
    await pending.checked;
    assert.match(changed.warnings()[0] ?? '', /^auth\.adminPassword is set but was not applied/);
    db.close();
  });
});
