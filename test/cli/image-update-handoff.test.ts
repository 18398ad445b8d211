/**
 * POST /update's hand-over on the appliance (cli/image-update-handoff.ts): the gateway's side,
 * and the root side as the image runs it (image/rootfs/overlay/usr/lib/roost/roost-update-spool.sh,
 * started here as roost-update-spool.path would start it), with a stand-in for `roost image update`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { updateHandoff } from '../../cli/image-update-handoff.js';
import { InternalError } from '../../protocols/errors.js';
import { tempDir } from '../helpers/gateway.js';

const SCRIPT = fileURLToPath(new URL('../../image/rootfs/overlay/usr/lib/roost/roost-update-spool.sh', import.meta.url));

describe('update hand-over to the root service', () => {
  let dir: string;
  let spool: string;
  let results: string;
  let roost: string;

  /** A stand-in for `roost image update FILE --no-reboot`: its arguments, then success or failure. */
  function fakeRoost(ok: boolean): void {
    writeFileSync(roost, ['#!/bin/sh', `echo "$@" >> ${join(dir, 'calls')}`, 'echo "roost image: writing 10 bytes of root filesystem to slot b"',
      ok ? 'echo "roost image: installed 1.2.0 (abc123) in slot b (10 bytes, 5 ms)"' : 'echo "roost image: update file: signature does not verify" >&2; exit 3', ''].join('\n'));
    chmodSync(roost, 0o755);
  }

  /** The root service, once (as the path unit starts it when the spool is not empty). */
  const rootService = (): Promise<unknown> => promisify(execFile)('/bin/sh', [SCRIPT], {
    env: { ...process.env, ROOST_UPDATE_SPOOL: spool, ROOST_UPDATE_RESULTS: results, ROOST_BIN: roost, ROOST_REBOOT: `touch ${join(dir, 'rebooted')}` },
  });

  const handoff = () => updateHandoff({ arch: 'amd64', running: async () => ({ version: '1.1.0', slot: 'a' }), spoolDir: spool, resultDir: results, timeoutMs: 10_000, pollMs: 20 });

  beforeEach(() => {
    dir = tempDir('roost-handoff-');
    spool = join(dir, 'data', 'update-spool');
    results = join(dir, 'run');
    roost = join(dir, 'roost');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the checked file goes to the spool, the root service installs it, slot and release come back', async () => {
    fakeRoost(true);
    const upload = join(dir, 'upload.roostupd');
    writeFileSync(upload, 'update bytes');
    const log: string[] = [];
    const installing = handoff().install(upload, (m) => log.push(m));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(existsSync(upload), false, 'moved, not copied');
    const [name] = readdirSync(spool);
    assert.match(name!, /^[0-9a-f-]{36}\.roostupd$/);
    await rootService();
    assert.deepEqual(await installing, { slot: 'b', release: '1.2.0 (abc123)' });
    assert.match(log.join('\n'), /writing 10 bytes of root filesystem to slot b/);
    assert.deepEqual(readdirSync(spool), [], 'the spool is emptied (the path unit would start again otherwise)');
    assert.match(readFileSync(join(dir, 'calls'), 'utf8'), new RegExp(`image update ${spool}/${name} --no-reboot`));
  });

  it('a failed install is an error with the installer\'s last line, and the file is gone', async () => {
    fakeRoost(false);
    const upload = join(dir, 'upload.roostupd');
    writeFileSync(upload, 'update bytes');
    const installing = handoff().install(upload, () => undefined);
    installing.catch(() => undefined); // asserted below, once the root service has answered
    await new Promise((r) => setTimeout(r, 100));
    await rootService();
    await assert.rejects(installing, (e: Error) => e instanceof InternalError && /exit 3\): roost image: update file: signature does not verify/.test(e.message));
    assert.deepEqual(readdirSync(spool), []);
  });

  it('symlinks and odd names in the spool are removed, never followed; a reboot request reboots', async () => {
    fakeRoost(true);
    mkdirSync(spool, { recursive: true });
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, join(spool, '0123abcd-0000-4000-8000-000000000000.roostupd'));
    writeFileSync(join(spool, '../../evil;rm.roostupd'.replace(/[/]/g, '_')), 'x');
    writeFileSync(join(spool, 'stray.txt'), 'x');
    await handoff().reboot();
    await rootService();
    assert.deepEqual(readdirSync(spool), []);
    assert.equal(existsSync(join(dir, 'calls')), false, 'nothing installed');
    assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    assert.ok(existsSync(join(dir, 'rebooted')));
  });

  it('no answer from the root service in time is an error', async () => {
    const upload = join(dir, 'upload.roostupd');
    writeFileSync(upload, 'update bytes');
    const h = updateHandoff({ arch: 'amd64', running: async () => ({ version: '1.1.0', slot: 'a' }), spoolDir: spool, resultDir: results, timeoutMs: 200, pollMs: 20 });
    await assert.rejects(h.install(upload, () => undefined), /did not answer in 200 ms/);
  });
});
