/**
 * `make image-test`: boots the built image in qemu and drives it through its life:
 *   1. first boot: data partition grown and formatted, admin credential on the console (and the
 *      same one in the label file on the data partition), the gateway healthy, login with that
 *      credential, the system thing in the directory;
 *   2. an update (on media labelled ROOST-UPD) installed into slot b, its trial boot marked good,
 *      the same credential still working (the data partition survived), the media not reinstalled;
 *   3. a rollback to slot a with `roost image rollback`, then a boot of slot a with the same data;
 *   4. a broken update (a root with no init) installed into the other slot: the trial boot
 *      fails, the box falls back by itself, and the gateway is back.
 * Prints step timings; writes dist/image/boot-test/result.json. Took 9.3 minutes here (plus the build).
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { version as pkgVersion } from '../version.js';
import { defaultBuildOptions } from '../build/build-config.js';
import { runTool } from '../build/run-tool.js';
import { readSecretKeyFile } from '../update/signing.js';
import { packUpdate } from '../update/update-file.js';
import { checkGateway } from './gateway-checks.js';
import { partitionOffsets, readExt4File, roostImageOffline } from './offline-disk.js';
import { AMD64_VM, freePort, QemuVm } from './qemu-vm.js';

const projectRoot = resolve(new URL('../../..', import.meta.url).pathname);
const LIMITS = { bootMs: 240_000, installMs: 300_000, healthMs: 240_000 };
const DISK_BYTES = 2 * 1024 ** 3;

interface TestState {
  out: string;
  work: string;
  disk: string;
  /** The bundle the image ships, run on this machine for the offline `roost image` commands. */
  bundle: string;
  port: number;
  user: string;
  password: string;
  vm: QemuVm | null;
  running: 'a' | 'b';
  /** Kernel command line of the last boot, from the console (for the offline commands). */
  lastCmdline: string;
  results: Record<string, unknown>;
}

function startVm(s: TestState, name: string, media?: string): QemuVm {
  s.vm = QemuVm.start({ ...AMD64_VM, workDir: s.work, name, disk: s.disk, hostHttpPort: s.port, ...(media ? { media } : {}) });
  return s.vm;
}

async function stopVm(s: TestState): Promise<void> {
  const vm = s.vm;
  if (!vm) return;
  const lines = [...vm.console().matchAll(/Command line: (.*)/g)];
  if (lines.length > 0) s.lastCmdline = lines[lines.length - 1]![1]!.trim();
  await vm.stop();
  s.vm = null;
}

const base = (s: TestState): string => `http://127.0.0.1:${s.port}`;

/** A signed update file from this build's kernel and initrd and the given root. */
function makeUpdate(s: TestState, file: string, version: string, rootfs: string): string {
  const keyFile = defaultBuildOptions().signingKeyFile ?? join(s.out, 'keys', 'dev-update.key');
  const o = defaultBuildOptions();
  const m = packUpdate(file, {
    manifest: { product: 'roost', arch: 'amd64', version, commit: 'boot-test', createdAt: new Date().toISOString(), cmdline: o.extraCmdline },
    files: [{ name: 'kernel', path: join(s.out, 'boot/vmlinuz') }, { name: 'initrd', path: join(s.out, 'boot/initrd.img') }, { name: 'rootfs', path: rootfs }],
    key: readSecretKeyFile(keyFile),
  });
  return `${m.version} (${m.commit})`;
}

/** Update media as a vendor would hand it out: a filesystem labelled ROOST-UPD with the file on it. */
async function makeMedia(s: TestState, name: string, updateFile: string): Promise<string> {
  const dir = join(s.work, `${name}.d`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  copyFileSync(updateFile, join(dir, 'roost.roostupd'));
  const img = join(s.work, `${name}.img`);
  rmSync(img, { force: true });
  const mib = Math.ceil(statSync(updateFile).size / 1024 ** 2) + 32;
  await runTool('mkfs.ext4', ['-q', '-F', '-L', 'ROOST-UPD', '-d', dir, img, `${mib}M`]);
  rmSync(dir, { recursive: true, force: true });
  return img;
}

async function firstBoot(s: TestState): Promise<void> {
  copyFileSync(join(s.out, 'roost-amd64.img'), s.disk);
  truncateSync(s.disk, DISK_BYTES); // a bigger disk than the image: first boot grows the data partition
  const vm = startVm(s, 'boot1');
  const t0 = Date.now();
  await vm.waitForConsole(/Command line: .*roost\.slot=a /, LIMITS.bootMs);
  const fmt = await vm.waitForConsole(/roost-data: formatting \S+ \((\d+) MiB\)/, LIMITS.bootMs);
  const dataMiB = Number(fmt.match[1]);
  if (dataMiB < 512) throw new Error(`data partition is ${dataMiB} MiB after first boot; it should fill the 2 GiB disk`);
  // The installer's first path to the credential: the console line roost-firstboot.service prints.
  const cred = await vm.waitForConsole(/roost first boot: admin user '([^']+)' password '([^']+)'/, LIMITS.bootMs);
  s.user = cred.match[1]!;
  s.password = cred.match[2]!;
  const check = await checkGateway(base(s), s.user, s.password, LIMITS.healthMs);
  const healthyMs = Date.now() - t0;
  await vm.waitForConsole(/slot a \(.*\) is good; nothing to mark/, LIMITS.bootMs);
  await stopVm(s);
  // The second path: the label file on the data partition, root only, with the same credential.
  const parts = await partitionOffsets(s.disk);
  const label = await readExt4File(s.disk, parts['roost-data']!, '/secrets/admin-credential.txt');
  if (!label.text.includes(`admin user:     ${s.user}\n`) || !label.text.includes(`admin password: ${s.password}\n`)) {
    throw new Error(`admin-credential.txt does not hold the console's credential:\n${label.text}`);
  }
  if ((label.mode & 0o077) !== 0) throw new Error(`admin-credential.txt has mode ${label.mode.toString(8)}; it must be root only`);
  s.results['firstBoot'] = { dataMiB, bootToLoggedInMs: healthyMs, things: check.thingIds, labelFileMode: label.mode.toString(8) };
}

async function updateToB(s: TestState): Promise<void> {
  const release = makeUpdate(s, join(s.work, 'good.roostupd'), `${pkgVersion()}-boottest.1`, join(s.out, 'root.squashfs'));
  const vm = startVm(s, 'boot2', await makeMedia(s, 'media-good', join(s.work, 'good.roostupd')));
  const t0 = Date.now();
  const inst = await vm.waitForConsole(/roost image: installed .* in slot b \((\d+) bytes, (\d+) ms\)/, LIMITS.installMs);
  const installMs = Number(inst.match[2]);
  const trial = await vm.waitForConsole(/Command line: .*roost\.slot=b /, LIMITS.bootMs, inst.end);
  await vm.waitForConsole(/roost image: trial boot of slot b/, LIMITS.bootMs, trial.end);
  const good = await vm.waitForConsole(/roost image: slot b marked good after (\d+) ms/, LIMITS.healthMs, trial.end);
  const check = await checkGateway(base(s), s.user, s.password, LIMITS.healthMs);
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
  const t0 = Date.now();
  const boot = await vm.waitForConsole(/Command line: .*roost\.slot=([ab]) /, LIMITS.bootMs);
  if (boot.match[1] !== 'a') throw new Error(`slot ${boot.match[1]} booted after the rollback`);
  await vm.waitForConsole(/slot a \(.*\) is good; nothing to mark/, LIMITS.bootMs, boot.end);
  const check = await checkGateway(base(s), s.user, s.password, LIMITS.healthMs);
  await stopVm(s);
  s.running = 'a';
  s.results['rollbackToA'] = { release: after.slots.a.entry?.release, rollbackToLoggedInMs: Date.now() - t0, things: check.thingIds };
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
  const trial = await vm.waitForConsole(new RegExp(`Command line: .*roost\\.slot=${target} `), LIMITS.bootMs, inst.end);
  const back = await vm.waitForConsole(new RegExp(`Command line: .*roost\\.slot=${s.running} `), LIMITS.bootMs, trial.end);
  const fallbackMs = Date.now() - t0;
  await vm.waitForConsole(new RegExp(`roost image: slot ${target} \\(.*\\) failed its trial boot; running slot ${s.running}`), LIMITS.bootMs, back.end);
  const check = await checkGateway(base(s), s.user, s.password, LIMITS.healthMs);
  await vm.waitForConsole(new RegExp(`roost image: not installing: .* failed its trial boot in slot ${target} before`), LIMITS.bootMs, back.end);
  await stopVm(s);
  s.results['failedUpdateFallsBack'] = { release, slot: target, installToFallbackBootMs: fallbackMs, things: check.thingIds };
}

const BOOT_TEST_STEPS: ReadonlyArray<[string, (s: TestState) => Promise<void>]> = [
  ['first boot', firstBoot],
  ['update to slot b', updateToB],
  ['rollback to slot a', rollbackToA],
  ['failed update falls back', failedUpdateFallsBack],
];

async function main(): Promise<number> {
  const out = resolve(projectRoot, defaultBuildOptions().outDir);
  const bundle = join(projectRoot, 'dist/roost.js');
  for (const f of [join(out, 'roost-amd64.img'), bundle]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run make image first`);
  }
  const work = join(out, 'boot-test');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const s: TestState = { out, work, disk: join(work, 'disk.img'), bundle, port: await freePort(), user: '', password: '', vm: null, running: 'a', lastCmdline: '', results: {} };
  const timings: Record<string, number> = {};
  const started = Date.now();
  for (const [name, step] of BOOT_TEST_STEPS) {
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
  const result = { totalMs: Date.now() - started, timingsMs: timings, ...s.results };
  writeFileSync(join(work, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`image-test: all steps passed in ${(result.totalMs / 1000).toFixed(1)} s`);
  return 0;
}

process.exitCode = await main();
