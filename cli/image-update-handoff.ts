/**
 * POST /update on the appliance: the gateway runs as user `roost` under ProtectSystem=strict and
 * may neither write the slot partitions and the ESP nor reboot, so its SlotInstaller hands the
 * checked file to a root service and waits for its answer. The hand-over (docs/image.md):
 *
 * - the gateway moves the file into its spool, `<data>/update-spool/<id>.roostupd`, and for a
 *   reboot writes `<data>/update-spool/reboot`;
 * - `roost-update-spool.path` starts `roost-update-spool.service` (root), which runs the USB
 *   path's own installer on it (`roost image update FILE --no-reboot`, which checks the signature
 *   against the image's trusted keys again: the spool is the gateway's, never trusted) and writes
 *   `<id>.log` and then `<id>.status` (its exit code) into its own folder `/run/roost-update`;
 * - the installer here reads them back: the slot and release from the log's last line.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from '../protocols/errors.js';
import type { SlotInstaller } from '../gateway/update/slot-installer.js';

export interface UpdateHandoffOptions {
  arch: string;
  running: SlotInstaller['running'];
  /** Where the gateway leaves requests (in its data dir, on the same filesystem as its uploads). */
  spoolDir: string;
  /** Where the root service answers (root's, read-only for the gateway). */
  resultDir: string;
  /** How long an install may take (writing a slot on slow flash). */
  timeoutMs: number;
  pollMs?: number;
}

/** `roost image: installed 1.2.0 (abc) in slot b (...)`: the installer's last word on success. */
const INSTALLED = /installed (.+) in slot (\w+) \(/;

export function updateHandoff(o: UpdateHandoffOptions): SlotInstaller {
  const pollMs = o.pollMs ?? 500;
  return {
    arch: o.arch,
    running: o.running,
    async install(file, log) {
      mkdirSync(o.spoolDir, { recursive: true, mode: 0o700 });
      const id = randomUUID();
      renameSync(file, join(o.spoolDir, `${id}.roostupd`));
      log('handed to roost-update-spool.service for the slot install');
      const status = join(o.resultDir, `${id}.status`);
      const deadline = Date.now() + o.timeoutMs;
      while (!existsSync(status)) {
        if (Date.now() > deadline) throw new InternalError(`the slot install (roost-update-spool.service) did not answer in ${o.timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
      const code = readFileSync(status, 'utf8').trim();
      const lines = readFileSync(join(o.resultDir, `${id}.log`), 'utf8').trim().split('\n');
      for (const l of lines) log(l);
      const done = INSTALLED.exec(lines.at(-1) ?? '');
      if (code !== '0' || !done) throw new InternalError(`slot install failed (exit ${code}): ${lines.at(-1) ?? 'no output'}`);
      return { release: done[1]!, slot: done[2]! };
    },
    async reboot() {
      writeFileSync(join(o.spoolDir, 'reboot'), '');
    },
  };
}
