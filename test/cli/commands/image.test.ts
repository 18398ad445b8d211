import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT_NOTHING_NEW, run } from '../../../cli/commands/image.js';
import { UsageError } from '../../../cli/command.js';
import { UnauthenticatedError } from '../../../protocols/errors.js';
import { entryFileName, renderEntry } from '../../../image/src/slots/boot-entries.js';
import { formatKey, generateKeyPair } from '../../../image/src/update/signing.js';
import { packUpdate } from '../../../image/src/update/update-file.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Runs `roost image ...` against a device made of files (ROOST_IMAGE_* variables), capturing stdout. */
async function roostImage(env: Record<string, string>, argv: string[]): Promise<{ code: number; out: string }> {
  const saved = { ...process.env };
  const lines: string[] = [];
  const log = console.log;
  Object.assign(process.env, env);
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { code: await run(argv), out: lines.join('\n') };
  } finally {
    console.log = log;
    process.env = saved;
  }
}

test('roost image: verify, update --no-reboot, status, --if-new, and a file signed by an unknown key', async () => {
  const dir = tempDir('roost-cli-image-');
  const key = generateKeyPair();
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', 'k.pub'), formatKey(key.publicKey));
  mkdirSync(join(dir, 'esp/loader/entries'), { recursive: true });
  writeFileSync(join(dir, 'esp/loader/entries', entryFileName('a')), renderEntry({ slot: 'a', priority: 1, release: '1.0 (one)', cmdline: '' }));
  for (const s of ['a', 'b']) writeFileSync(join(dir, `slot-${s}`), Buffer.alloc(65536));
  writeFileSync(join(dir, 'cmdline'), 'ro roost.slot=a\n');
  for (const [n, b] of [['kernel', 'K'], ['initrd', 'I'], ['rootfs', 'R'.repeat(1000)]]) writeFileSync(join(dir, n!), b!);
  const pack = (file: string, k = key): string => {
    packUpdate(join(dir, file), {
      manifest: { product: 'roost', arch: 'amd64', version: '2.0', commit: 'two', createdAt: '2026-01-01T00:00:00Z', cmdline: '' },
      files: (['kernel', 'initrd', 'rootfs'] as const).map((name) => ({ name, path: join(dir, name) })),
      key: k,
    });
    return join(dir, file);
  };
  const env = {
    ROOST_IMAGE_ESP: join(dir, 'esp'), ROOST_IMAGE_SLOT_A: join(dir, 'slot-a'), ROOST_IMAGE_SLOT_B: join(dir, 'slot-b'),
    ROOST_IMAGE_CMDLINE: join(dir, 'cmdline'), ROOST_IMAGE_KEYS: join(dir, 'keys'),
  };
  const file = pack('u.roostupd');

  const v = await roostImage(env, ['verify', file]);
  assert.equal(v.code, 0);
  assert.match(v.out, /^ok: roost 2\.0 \(two\) for amd64/);

  const u = await roostImage(env, ['update', '--no-reboot', file]);
  assert.equal(u.code, 0);
  assert.match(u.out, /installed 2\.0 \(two\) in slot b/);

  const s = await roostImage(env, ['status']);
  assert.match(s.out, /^slot a: good\s+1\.0 \(one\)\s+\(running\)$/m);
  assert.match(s.out, /^slot b: pending-trial\s+2\.0 \(two\)\s+\(boots next\)$/m);

  const again = await roostImage(env, ['update', '--if-new', '--no-reboot', file]);
  assert.equal(again.code, EXIT_NOTHING_NEW);
  assert.match(again.out, /waiting for its trial boot/);

  await assert.rejects(roostImage(env, ['verify', pack('other.roostupd', generateKeyPair())]), UnauthenticatedError);
  await assert.rejects(roostImage(env, ['nonsense']), (err: Error) => err instanceof UsageError && err.message === "unknown subcommand 'nonsense'");
});
