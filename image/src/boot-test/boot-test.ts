/**
 * `make image-test`: boots the built image in qemu and drives it through its life:
 *   1. first boot: data partition grown and formatted, admin credential on the console (and the
 *      same one in the label file on the data partition), the gateway healthy, login with that
 *      credential, the system thing in the directory; then the power button powers the box off
 *      cleanly (the data partition unmounted);
 *   2. an update (on media labelled ROOST-UPD) installed into slot b, its trial boot marked good,
 *      the same credential still working (the data partition survived), the media not reinstalled;
 *   3. a rollback to slot a with `roost image rollback`, then a boot of slot a with the same data;
 *   4. a broken update (a root with no init) installed into the other slot: the trial boot
 *      fails, the box falls back by itself, and the gateway is back;
 *   5. backup, wipe, restore, and 6. an update over the network (admin-steps.ts).
 * ARCH=arm64 boots once, far enough to serve the API. Each boot from power-on prints its time to
 * /healthz with the image's own breakdown (boot-report.ts); dist/image/boot-test/result.json.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { version as pkgVersion } from '../version.js';
import { ARCH_SPECS, defaultBuildOptions } from '../build/build-config.js';
import { runTool } from '../build/run-tool.js';
import type { Arch } from '../update/update-format.js';
import { backupWipeRestore, networkUpdate } from './admin-steps.js';
import { bootedSlot, checkBox, LIMITS, measureReady, powerOff, startVm, stopVm, type TestState } from './boot-session.js';
import { makeMedia, makeUpdate } from './test-updates.js';
import { partitionOffsets, readExt4File, roostImageOffline } from './offline-disk.js';
import { freePort, freeUdpPort } from './qemu-vm.js';

const projectRoot = resolve(new URL('../../..', import.meta.url).pathname);
const DISK_BYTES = 2 * 1024 ** 3;

/**
 * The boot check's word that slot a is good: with no boot entry on trial or failed, its shell
 * condition (roost-boot-check-needed.sh) says so without starting Node ("nothing to check");
 * `roost image mark-good` says "nothing to mark" when it runs.
 */
const SLOT_A_GOOD = /roost image: slot a (?:\(.*\) )?is good; nothing to (?:check|mark)/;

/** A fresh copy of the image on a bigger disk than the image (first boot grows the data partition). */
function freshDisk(s: TestState): void {
  copyFileSync(join(s.out, `roost-${s.arch}.img`), s.disk);
  truncateSync(s.disk, DISK_BYTES);
}

async function firstBoot(s: TestState): Promise<void> {
  freshDisk(s);
  const vm = startVm(s, 'boot1');
  const ready = measureReady(s, 'first boot (data partition formatted)', s.vmStartedAt);
  ready.catch(() => undefined);
  const boot = await bootedSlot(vm);
  if (boot.slot !== 'a') throw new Error(`slot ${boot.slot} booted from a fresh image`);
  const fmt = await vm.waitForConsole(/roost-data: formatting \S+ \((\d+) MiB\)/, LIMITS.bootMs);
  const dataMiB = Number(fmt.match[1]);
  if (dataMiB < 512) throw new Error(`data partition is ${dataMiB} MiB after first boot; it should fill the 2 GiB disk`);
  // The installer's first path to the credential: the console line roost-firstboot.service prints.
  const cred = await vm.waitForConsole(/roost first boot: admin user '([^']+)' password '([^']+)'/, LIMITS.bootMs);
  s.user = cred.match[1]!;
  s.password = cred.match[2]!;
  const readyMs = (await ready).readyMs;
  const check = await checkBox(s);
  await vm.waitForConsole(SLOT_A_GOOD, LIMITS.bootMs);
  // Off with the power button: a clean shutdown, the data partition unmounted.
  const powerOffMs = await powerOff(s);
  // The second path: the label file on the data partition, root only, with the same credential.
  const parts = await partitionOffsets(s.disk);
  const label = await readExt4File(s.disk, parts['roost-data']!, '/secrets/admin-credential.txt');
  if (!label.text.includes(`admin user:     ${s.user}\n`) || !label.text.includes(`admin password: ${s.password}\n`)) {
    throw new Error(`admin-credential.txt does not hold the console's credential:\n${label.text}`);
  }
  if ((label.mode & 0o077) !== 0) throw new Error(`admin-credential.txt has mode ${label.mode.toString(8)}; it must be root only`);
  s.results['firstBoot'] = { dataMiB, bootToReadyMs: readyMs, things: check.thingIds, labelFileMode: label.mode.toString(8), powerOffMs };
}

async function updateToB(s: TestState): Promise<void> {
  const release = makeUpdate(s, join(s.work, 'good.roostupd'), `${pkgVersion()}-boottest.1`, join(s.out, 'root.squashfs'));
  const vm = startVm(s, 'boot2', await makeMedia(s, 'media-good', join(s.work, 'good.roostupd')));
  const t0 = Date.now();
  const inst = await vm.waitForConsole(/roost image: installed .* in slot b \((\d+) bytes, (\d+) ms\)/, LIMITS.installMs);
  const installMs = Number(inst.match[2]);
  const trial = await bootedSlot(vm, inst.end);
  if (trial.slot !== 'b') throw new Error(`slot ${trial.slot} booted after the install into b`);
  await vm.waitForConsole(/roost image: trial boot of slot b/, LIMITS.bootMs, trial.end);
  const good = await vm.waitForConsole(/roost image: slot b marked good after (\d+) ms/, LIMITS.healthMs, trial.end);
  const check = await checkBox(s);
  await vm.waitForConsole(/roost image: not installing: slot b already runs/, LIMITS.bootMs, good.end);
  await stopVm(s);
  s.running = 'b';
  s.results['updateToB'] = { release, installMs, updateToMarkedGoodMs: Date.now() - t0, things: check.thingIds };
}

interface StatusJson { booted: string; next: string | null; slots: Record<'a' | 'b', { status: string; entry: { release: string } | null }> }

/**
 * The image has no remote shell, so `roost image rollback` runs where a service station would run
 * it: the shipped bundle on this machine, against the stopped box's disk (its ESP in place, the
 * slot b command line it last booted). Then slot a boots with the data of the b boots.
 */
async function rollbackToA(s: TestState): Promise<void> {
  const cmdlineFile = join(s.work, 'cmdline');
  writeFileSync(cmdlineFile, `${s.lastCmdline}\n`);
  const device = { bundle: s.bundle, disk: s.disk, espOffset: (await partitionOffsets(s.disk))['roost-esp']!, cmdlineFile };
  const before = JSON.parse(await roostImageOffline(device, ['status', '--json'])) as StatusJson;
  if (before.booted !== 'b' || before.next !== 'b' || before.slots.a.status !== 'good' || before.slots.b.status !== 'good') {
    throw new Error(`before the rollback: expected b running and both slots good, got ${JSON.stringify(before)}`);
  }
  const said = await roostImageOffline(device, ['rollback', '--no-reboot']);
  if (!/slot a boots next/.test(said)) throw new Error(`roost image rollback said: ${said}`);
  const after = JSON.parse(await roostImageOffline(device, ['status', '--json'])) as StatusJson;
  if (after.next !== 'a') throw new Error(`after the rollback slot ${after.next} boots next`);
  const vm = startVm(s, 'boot3');
  const ready = measureReady(s, 'boot of slot a (an ordinary boot)', s.vmStartedAt);
  ready.catch(() => undefined);
  const boot = await bootedSlot(vm);
  if (boot.slot !== 'a') throw new Error(`slot ${boot.slot} booted after the rollback`);
  await vm.waitForConsole(SLOT_A_GOOD, LIMITS.bootMs, boot.end);
  const readyMs = (await ready).readyMs;
  const check = await checkBox(s);
  await stopVm(s);
  s.running = 'a';
  s.results['rollbackToA'] = { release: after.slots.a.entry?.release, bootToReadyMs: readyMs, things: check.thingIds };
}

async function failedUpdateFallsBack(s: TestState): Promise<void> {
  const target = s.running === 'a' ? 'b' : 'a';
  const dir = join(s.work, 'broken-root');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(join(dir, 'README'), 'A root filesystem with no /sbin/init: its trial boot must fail.\n');
  const brokenRoot = join(s.work, 'broken-root.squashfs');
  await runTool('mksquashfs', [dir, brokenRoot, '-noappend', '-quiet', '-no-progress']);
  const release = makeUpdate(s, join(s.work, 'broken.roostupd'), `${pkgVersion()}-boottest.2-broken`, brokenRoot);
  const vm = startVm(s, 'boot4', await makeMedia(s, 'media-broken', join(s.work, 'broken.roostupd')));
  const t0 = Date.now();
  const inst = await vm.waitForConsole(new RegExp(`roost image: installed .* in slot ${target} `), LIMITS.installMs);
  // The trial boot of a root without init never reaches userspace (no slot line): it panics.
  const panic = await vm.waitForConsole(/Kernel panic|No init found|Rebooting in \d+ seconds/, LIMITS.bootMs, inst.end);
  const back = await bootedSlot(vm, panic.end);
  if (back.slot !== s.running) throw new Error(`slot ${back.slot} booted after the failed trial; expected ${s.running}`);
  const fallbackMs = Date.now() - t0;
  await vm.waitForConsole(new RegExp(`roost image: slot ${target} \\(.*\\) failed its trial boot; running slot ${s.running}`), LIMITS.bootMs, back.end);
  const check = await checkBox(s);
  await vm.waitForConsole(new RegExp(`roost image: not installing: .* failed its trial boot in slot ${target} before`), LIMITS.bootMs, back.end);
  await stopVm(s);
  s.results['failedUpdateFallsBack'] = { release, slot: target, installToFallbackBootMs: fallbackMs, things: check.thingIds };
}

type Step = [string, (s: TestState) => Promise<void>];

const BOOT_TEST_STEPS: readonly Step[] = [
  ['first boot', firstBoot],
  ['update to slot b', updateToB],
  ['rollback to slot a', rollbackToA],
  ['failed update falls back', failedUpdateFallsBack],
  ['backup, wipe, restore', backupWipeRestore],
  ['network update', networkUpdate],
];

/** Under TCG an arm64 boot is several times slower: it boots far enough to serve the API, once. */
const STEPS_BY_ARCH: Readonly<Record<Arch, readonly Step[]>> = { amd64: BOOT_TEST_STEPS, arm64: [['first boot', firstBoot]] };

async function main(): Promise<number> {
  const o = defaultBuildOptions();
  const out = resolve(projectRoot, o.outDir);
  const bundle = join(out, 'bundle', 'roost.js');
  for (const f of [join(out, `roost-${o.arch}.img`), bundle]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run make image first`);
  }
  const work = join(out, `boot-test${o.arch === 'amd64' ? '' : `-${o.arch}`}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const s: TestState = {
    arch: o.arch, out, work, disk: join(work, 'disk.img'), bundle, port: await freePort(), httpsPort: await freePort(), coapPort: await freeUdpPort(), user: '', password: '',
    vm: null, vmStartedAt: 0, running: 'a', lastCmdline: '', boots: [], results: {},
  };
  const timings: Record<string, number> = {};
  const started = Date.now();
  console.log(`image-test: ${o.arch} image, ${ARCH_SPECS[o.arch].debianArch} VM (TCG)`);
  for (const [name, step] of STEPS_BY_ARCH[o.arch]) {
    const t0 = Date.now();
    console.log(`image-test: ${name} ...`);
    try {
      await step(s);
    } catch (err) {
      console.error(`image-test: ${name} FAILED: ${(err as Error).message}`);
      console.error(`--- last console lines (${s.vm?.consoleFile ?? 'no vm'}) ---`);
      console.error((s.vm?.console() ?? '').split('\n').slice(-60).join('\n'));
      await stopVm(s);
      return 1;
    }
    timings[name] = Date.now() - t0;
    console.log(`image-test: ${name} ok in ${(timings[name] / 1000).toFixed(1)} s  ${JSON.stringify(s.results[Object.keys(s.results).pop()!])}`);
  }
  const boots = s.boots.map((b) => ({ name: b.name, readyMs: b.readyMs, startup: b.report?.startup ?? null, gatewayStartedS: b.report?.gatewayStartedS ?? null, blame: b.report?.blame ?? [] }));
  const result = { arch: o.arch, totalMs: Date.now() - started, timingsMs: timings, boots, ...s.results };
  writeFileSync(join(work, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  for (const b of s.boots) console.log(`image-test: boot to /healthz: ${(b.readyMs / 1000).toFixed(1)} s  ${b.name}`);
  console.log(`image-test: all steps passed in ${(result.totalMs / 1000).toFixed(1)} s`);
  return 0;
}

process.exitCode = await main();
