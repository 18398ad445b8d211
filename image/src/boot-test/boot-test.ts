/**
 * `make image-test`: boots the built image in qemu and drives it through its life:
 *   1. first boot: data partition grown and formatted, admin credential on the console, the
 *      gateway healthy, login, the system thing in the directory;
 *   2. an update (on media labelled ROOST-UPD) installed into slot b, its trial boot, marked good,
 *      same credential still working (the data partition survived);
 *   3. a broken update (a root with no init) installed into the other slot: the trial boot
 *      fails, the box falls back by itself, and the gateway is back.
 * When this build's gateway has no HTTP API (api-probe.ts), the HTTP checks cannot run: step 1
 * checks the console only, and step 2 checks that the update, never healthy, falls back.
 * Prints step timings; writes dist/image/boot-test/result.json. Takes about 6-8 minutes here.
 */
import { copyFileSync, mkdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { version as pkgVersion } from '../../../gateway/version.js';
import { defaultBuildOptions } from '../build/build-config.js';
import { runTool } from '../build/run-tool.js';
import { readSecretKeyFile } from '../update/signing.js';
import { packUpdate } from '../update/update-file.js';
import { probeGatewayApi } from './api-probe.js';
import { checkGateway, type GatewayCheck } from './gateway-checks.js';
import { AMD64_VM, freePort, QemuVm } from './qemu-vm.js';

const projectRoot = resolve(new URL('../../..', import.meta.url).pathname);
const LIMITS = { bootMs: 240_000, installMs: 300_000, healthMs: 240_000 };
const DISK_BYTES = 2 * 1024 ** 3;

interface TestState {
  out: string;
  work: string;
  disk: string;
  port: number;
  user: string;
  password: string;
  vm: QemuVm | null;
  /** Whether this build's gateway serves the HTTP API (api-probe.ts). */
  hasApi: boolean;
  running: 'a' | 'b';
  results: Record<string, unknown>;
}

function startVm(s: TestState, name: string, media?: string): QemuVm {
  s.vm = QemuVm.start({ ...AMD64_VM, workDir: s.work, name, disk: s.disk, hostHttpPort: s.port, ...(media ? { media } : {}) });
  return s.vm;
}

async function stopVm(s: TestState): Promise<void> {
  await s.vm?.stop();
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
  const cred = await vm.waitForConsole(/admin user '([^']+)' password '([^']+)'/, LIMITS.bootMs);
  s.user = cred.match[1]!;
  s.password = cred.match[2]!;
  const check = s.hasApi ? await checkGateway(base(s), s.user, s.password, LIMITS.healthMs) : null;
  const healthyMs = Date.now() - t0;
  await vm.waitForConsole(/slot a \(.*\) is good; nothing to mark/, LIMITS.bootMs);
  await stopVm(s);
  s.results['firstBoot'] = { dataMiB, ...(check ? { bootToHealthyMs: healthyMs, things: check.thingIds } : { bootToBootCheckMs: Date.now() - t0 }) };
}

/**
 * With the HTTP API: the trial boot of b gets healthy and is kept. Without it (the gateway has no
 * /healthz to answer), the same update must fail its trial and fall back to a: both are checked.
 */
async function updateToB(s: TestState): Promise<void> {
  const release = makeUpdate(s, join(s.work, 'good.roostupd'), `${pkgVersion()}-boottest.1`, join(s.out, 'root.squashfs'));
  const vm = startVm(s, 'boot2', await makeMedia(s, 'media-good', join(s.work, 'good.roostupd')));
  const t0 = Date.now();
  const inst = await vm.waitForConsole(/roost image: installed .* in slot b \((\d+) bytes, (\d+) ms\)/, LIMITS.installMs);
  const installMs = Number(inst.match[2]);
  const trial = await vm.waitForConsole(/Command line: .*roost\.slot=b /, LIMITS.bootMs, inst.end);
  await vm.waitForConsole(/roost image: trial boot of slot b/, LIMITS.bootMs, trial.end);
  if (s.hasApi) {
    const good = await vm.waitForConsole(/roost image: slot b marked good after (\d+) ms/, LIMITS.healthMs, trial.end);
    const check: GatewayCheck = await checkGateway(base(s), s.user, s.password, LIMITS.healthMs);
    await vm.waitForConsole(/roost image: not installing: slot b already runs/, LIMITS.bootMs, good.end);
    s.running = 'b';
    s.results['updateToB'] = { release, installMs, updateToMarkedGoodMs: Date.now() - t0, things: check.thingIds };
  } else {
    const unhealthy = await vm.waitForConsole(/roost image: gateway not healthy after \d+ ms \((.*)\); falling back to slot a/, LIMITS.healthMs + LIMITS.bootMs, trial.end);
    const back = await vm.waitForConsole(/Command line: .*roost\.slot=a /, LIMITS.bootMs, unhealthy.end);
    await vm.waitForConsole(/roost image: slot b \(.*\) failed its trial boot; running slot a/, LIMITS.bootMs, back.end);
    await vm.waitForConsole(/roost image: not installing: .* failed its trial boot in slot b before/, LIMITS.bootMs, back.end);
    s.running = 'a';
    s.results['updateToB'] = { release, installMs, unhealthyBecause: unhealthy.match[1], updateToFallbackMs: Date.now() - t0 };
  }
  await stopVm(s);
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
  const vm = startVm(s, 'boot3', await makeMedia(s, 'media-broken', join(s.work, 'broken.roostupd')));
  const t0 = Date.now();
  const inst = await vm.waitForConsole(new RegExp(`roost image: installed .* in slot ${target} `), LIMITS.installMs);
  const trial = await vm.waitForConsole(new RegExp(`Command line: .*roost\\.slot=${target} `), LIMITS.bootMs, inst.end);
  const back = await vm.waitForConsole(new RegExp(`Command line: .*roost\\.slot=${s.running} `), LIMITS.bootMs, trial.end);
  const fallbackMs = Date.now() - t0;
  await vm.waitForConsole(new RegExp(`roost image: slot ${target} \\(.*\\) failed its trial boot; running slot ${s.running}`), LIMITS.bootMs, back.end);
  const check = s.hasApi ? await checkGateway(base(s), s.user, s.password, LIMITS.healthMs) : null;
  await vm.waitForConsole(new RegExp(`roost image: not installing: .* failed its trial boot in slot ${target} before`), LIMITS.bootMs, back.end);
  await stopVm(s);
  s.results['failedUpdateFallsBack'] = { release, slot: target, installToFallbackBootMs: fallbackMs, ...(check ? { things: check.thingIds } : {}) };
}

export const BOOT_TEST_STEPS: ReadonlyArray<[string, (s: TestState) => Promise<void>]> = [
  ['first boot', firstBoot],
  ['update to slot b', updateToB],
  ['failed update falls back', failedUpdateFallsBack],
];

async function main(): Promise<number> {
  const out = resolve(projectRoot, defaultBuildOptions().outDir);
  const work = join(out, 'boot-test');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const probe = await probeGatewayApi(join(projectRoot, 'dist/roost.js'));
  console.log(probe.hasApi
    ? `image-test: the gateway serves its HTTP API (${probe.detail}): checking /healthz, login and /things in the VM`
    : `image-test: this build's gateway has NO HTTP API (${probe.detail}): the VM is checked through its console only, and the update to slot b must fail its trial boot and fall back`);
  const s: TestState = { out, work, disk: join(work, 'disk.img'), port: await freePort(), user: '', password: '', vm: null, hasApi: probe.hasApi, running: 'a', results: { hasApi: probe.hasApi } };
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
