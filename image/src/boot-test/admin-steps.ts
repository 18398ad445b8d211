/**
 * The boot test's steps that an admin drives over the network (docs/image.md, "The boot test"):
 *   5. backup, wipe, restore: a user is added, POST /backup takes the archive, the data partition
 *      is wiped (factory reset), the box comes up as new (a new admin credential), POST /restore
 *      stages the archive, a reboot applies it: the old credential and the added user are back;
 *   6. network update: a signed update file uploaded with POST /update goes into the inactive slot,
 *      the box reboots into it on trial, the trial gets healthy and is marked good, the data stays.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { version as pkgVersion } from '../version.js';
import { runTool } from '../build/run-tool.js';
import { createUser, downloadBackup, login, loginRefused, uploadRestore, uploadUpdate, userNames } from './admin-client.js';
import { adminApi, bootedSlot, checkBox, LIMITS, measureReady, startVm, stopVm, type TestState } from './boot-session.js';
import { partitionOffsets } from './offline-disk.js';
import type { QemuVm } from './qemu-vm.js';
import { makeUpdate } from './test-updates.js';

const MIB = 1024 * 1024;
const ADDED_USER = 'installer';

/**
 * A clean reboot without a shell: Ctrl-Alt-Del on the VM's keyboard (systemd reboots). Waits for
 * the next boot's slot line and for the gateway to answer again; returns the console offset.
 */
async function rebootVm(s: TestState, vm: QemuVm, name: string): Promise<number> {
  const from = vm.console().length;
  await vm.monitor('sendkey ctrl-alt-delete');
  const t0 = Date.now();
  const boot = await bootedSlot(vm, from);
  await measureReady(s, name, t0, boot.end);
  return boot.end;
}

/** Factory reset from outside: the data partition's signatures zeroed (what wipefs -a does), the rest kept. */
async function wipeData(disk: string): Promise<void> {
  const offset = (await partitionOffsets(disk))['roost-data'];
  if (offset === undefined || offset % MIB !== 0) throw new Error(`no MiB-aligned roost-data partition in ${disk}`);
  await runTool('dd', ['if=/dev/zero', `of=${disk}`, 'bs=1M', `seek=${offset / MIB}`, 'count=4', 'conv=notrunc', 'status=none']);
}

export async function backupWipeRestore(s: TestState): Promise<void> {
  let vm = startVm(s, 'boot5');
  await bootedSlot(vm);
  await checkBox(s);
  let api = await adminApi(s);
  const token = await login(api, s.user, s.password);
  const addedPassword = randomBytes(12).toString('base64url');
  await createUser(api, token, ADDED_USER, addedPassword, 'viewer');
  const passphrase = randomBytes(12).toString('base64url');
  const archive = await downloadBackup(api, token, passphrase);
  await stopVm(s);

  await wipeData(s.disk);
  vm = startVm(s, 'boot6');
  const fmt = await vm.waitForConsole(/roost-data: formatting \S+ \((\d+) MiB\)/, LIMITS.bootMs);
  const cred = await vm.waitForConsole(/roost first boot: admin user '([^']+)' password '([^']+)'/, LIMITS.bootMs, fmt.end);
  const fresh = { user: cred.match[1]!, password: cred.match[2]! };
  if (fresh.password === s.password) throw new Error('the wiped box printed the old admin password');
  await checkBox(s, fresh.user, fresh.password);
  api = await adminApi(s);
  if (!(await loginRefused(api, s.user, s.password))) throw new Error('the old admin password still works on the wiped box');
  const freshToken = await login(api, fresh.user, fresh.password);
  if ((await userNames(api, freshToken)).includes(ADDED_USER)) throw new Error(`user ${ADDED_USER} is on the wiped box`);
  const staged = await uploadRestore(api, freshToken, archive, passphrase);
  if (staged.state !== 'staged') throw new Error(`POST /restore: ${JSON.stringify(staged)}`);

  await rebootVm(s, vm, 'reboot after POST /restore');
  // The restore brought back the users of the backup (the old admin credential, the added user) and the TLS key.
  await checkBox(s);
  api = await adminApi(s);
  const names = await userNames(api, await login(api, s.user, s.password));
  if (!names.includes(ADDED_USER)) throw new Error(`after the restore the users are ${names.join(', ')}; ${ADDED_USER} is missing`);
  await login(api, ADDED_USER, addedPassword);
  s.results['backupWipeRestore'] = { archiveBytes: archive.length, restoredFiles: staged.files, users: names };
  // The VM stays up: the network update starts from this running box.
}

/** The next patch release of this version, so the update is newer than what runs (no downgrade). */
export function nextPatch(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`version ${version} is not MAJOR.MINOR.PATCH`);
  return `${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

export async function networkUpdate(s: TestState): Promise<void> {
  const vm = s.vm ?? startVm(s, 'boot8');
  await checkBox(s);
  const target = s.running === 'a' ? 'b' : 'a';
  const file = join(s.work, 'network.roostupd');
  const release = makeUpdate(s, file, `${nextPatch(pkgVersion())}-boottest.3`, join(s.out, 'root.squashfs'));
  const from = vm.console().length;
  const t0 = Date.now();
  const api = await adminApi(s);
  const status = await uploadUpdate(api, await login(api, s.user, s.password), file);
  if (status.state !== 'installed' || status.slot !== target || !status.rebooting) {
    throw new Error(`POST /update: expected installed into slot ${target} and rebooting, got ${JSON.stringify(status)}`);
  }
  const uploadMs = Date.now() - t0;
  const trial = await bootedSlot(vm, from, LIMITS.installMs);
  if (trial.slot !== target) throw new Error(`slot ${trial.slot} booted after POST /update; expected ${target}`);
  await vm.waitForConsole(new RegExp(`roost image: trial boot of slot ${target}`), LIMITS.bootMs, trial.end);
  const good = await vm.waitForConsole(new RegExp(`roost image: slot ${target} marked good after (\\d+) ms`), LIMITS.healthMs, trial.end);
  const check = await checkBox(s);
  await stopVm(s);
  s.running = target;
  s.results['networkUpdate'] = { release, slot: target, uploadAndInstallMs: uploadMs, markedGoodAfterMs: Number(good.match[1]), updateToMarkedGoodMs: Date.now() - t0, things: check.thingIds };
}
