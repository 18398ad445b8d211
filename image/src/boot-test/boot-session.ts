/**
 * What the boot test's steps share: the disk and its VM, the credential read at first boot, the
 * slot that runs, and each boot's measurement (power-on to /healthz answering, with the boot
 * report the image prints: boot-report.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Arch } from '../update/update-format.js';
import { waitHealthy } from '../device/health.js';
import type { Api } from './admin-client.js';
import { formatBreakdown, parseBootReport, type BootReport } from './boot-report.js';
import { checkGateway, type GatewayCheck } from './gateway-checks.js';
import { ext4NeedsRecovery, partitionOffsets } from './offline-disk.js';
import { QemuVm, VM_PROFILES } from './qemu-vm.js';
import { pinnedFetch, presentedCertificate } from './secure-checks.js';

/** Generous: TCG on two cores that other work shares has taken over 4 minutes to boot. */
export const LIMITS = { bootMs: 480_000, installMs: 600_000, healthMs: 480_000, reportMs: 120_000, shutdownMs: 180_000 };

export interface BootMeasure {
  name: string;
  readyMs: number;
  report: BootReport | null;
}

export interface TestState {
  arch: Arch;
  out: string;
  work: string;
  disk: string;
  /** The bundle the image ships, run on this machine for the offline `roost image` commands. */
  bundle: string;
  /** Host ports forwarded to the gateway's HTTP (8080), HTTPS (8443) and CoAP (5683/udp). */
  port: number;
  httpsPort: number;
  coapPort: number;
  user: string;
  password: string;
  vm: QemuVm | null;
  /** When the current VM was started (Date.now()). */
  vmStartedAt: number;
  running: 'a' | 'b';
  /** Kernel command line of the last boot, from the console (for the offline commands). */
  lastCmdline: string;
  boots: BootMeasure[];
  results: Record<string, unknown>;
}

export const baseUrl = (s: TestState): string => `http://127.0.0.1:${s.port}`;
export const httpsUrl = (s: TestState): string => `https://127.0.0.1:${s.httpsPort}`;

/** The API checks of gateway-checks.ts, over HTTPS with the presented certificate pinned, and CoAP. */
export function checkBox(s: TestState, user = s.user, password = s.password): Promise<GatewayCheck> {
  return checkGateway(baseUrl(s), user, password, LIMITS.healthMs, { httpsUrl: httpsUrl(s), coap: { host: '127.0.0.1', port: s.coapPort } });
}

/**
 * The admin API as the box serves it now: HTTPS trusting exactly the certificate it presents (the
 * box makes a new one when its data is wiped, and a restore brings the old one back).
 */
export async function adminApi(s: TestState): Promise<Api> {
  const cert = await presentedCertificate(httpsUrl(s));
  return { base: httpsUrl(s), fetch: pinnedFetch(cert.pem) };
}

export function startVm(s: TestState, name: string, media?: string): QemuVm {
  s.vm = QemuVm.start({
    ...VM_PROFILES[s.arch], workDir: s.work, name, disk: s.disk,
    hostHttpPort: s.port, hostHttpsPort: s.httpsPort, hostCoapPort: s.coapPort, ...(media ? { media } : {}),
  });
  s.vmStartedAt = Date.now();
  return s.vm;
}

const BOOTED_RE = /roost-boot: slot=([ab]) cmdline=(.*)/g;

export async function stopVm(s: TestState): Promise<void> {
  const vm = s.vm;
  if (!vm) return;
  noteCmdline(s, vm);
  await vm.stop();
  s.vm = null;
}

/**
 * Presses the power button, as a user would: the box must power off by itself (acpid, then
 * systemd's shutdown, then the kernel's "Power down"), with its data partition unmounted cleanly.
 * Milliseconds from the press to qemu's exit.
 */
export async function powerOff(s: TestState): Promise<number> {
  const vm = s.vm;
  if (!vm) throw new Error('no VM runs');
  noteCmdline(s, vm);
  // On failure s.vm stays, so that the step's report shows its console (stopping it again is a no-op).
  const ms = await vm.pressPowerButton(LIMITS.shutdownMs);
  if (!/reboot: Power down/.test(vm.console())) throw new Error(`${vm.o.name}: qemu ended after the power button without the kernel's "reboot: Power down"`);
  s.vm = null;
  const data = (await partitionOffsets(s.disk))['roost-data'];
  if (data === undefined) throw new Error('no roost-data partition on the disk');
  if (await ext4NeedsRecovery(s.disk, data)) throw new Error('the data partition was not unmounted cleanly at power-off (its journal needs recovery)');
  return ms;
}

function noteCmdline(s: TestState, vm: QemuVm): void {
  const lines = [...vm.console().matchAll(BOOTED_RE)];
  if (lines.length > 0) s.lastCmdline = lines[lines.length - 1]![2]!.trim();
}

/** Waits for the next boot's slot line after `from` (printed early in userspace); the slot and where the line ends. */
export async function bootedSlot(vm: QemuVm, from = 0, timeoutMs = LIMITS.bootMs): Promise<{ slot: 'a' | 'b'; end: number }> {
  const m = await vm.waitForConsole(/roost-boot: slot=([ab]) /, timeoutMs, from);
  // The line carries the kernel's clock ("[   11.48] ..."): seen now, so the kernel started that long ago
  // (late by at most the console poll, 0.5 s). What came before it is firmware and boot loader.
  const text = vm.console();
  const kernelS = kernelTimestamp(text.slice(text.lastIndexOf('\n', m.match.index) + 1, m.end));
  if (kernelS !== null) vm.kernelStarts.push({ at: Date.now() - kernelS * 1000, consoleEnd: m.end });
  return { slot: m.match[1] as 'a' | 'b', end: m.end };
}

/** The kernel's timestamp at the head of a console line ("[   11.481250] unit[pid]: ..."), in seconds. */
export function kernelTimestamp(line: string): number | null {
  const m = /^\[\s*(\d+\.\d+)\]/.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * Polls /healthz from `since` (the power-on of this boot, or the moment a reboot was asked for)
 * until it answers, then waits for the boot report on the console; records and prints both.
 */
export async function measureReady(s: TestState, name: string, since: number, consoleFrom = 0): Promise<BootMeasure> {
  const vm = s.vm!;
  const h = await waitHealthy(`${baseUrl(s)}/healthz`, { timeoutMs: LIMITS.healthMs, intervalMs: 250, requestTimeoutMs: 1000 });
  if (!h.healthy) throw new Error(`${name}: /healthz did not answer within ${LIMITS.healthMs / 1000} s: ${h.lastError}`);
  const readyMs = Date.now() - since;
  await vm.waitForConsole(/roost-boot-report\| roost-boot-report: end/, LIMITS.reportMs, consoleFrom).catch(() => undefined);
  const report = parseBootReport(vm.console(), consoleFrom);
  // Firmware and loader time, when systemd-analyze has none (OVMF on amd64): this boot's kernel start.
  const kernelStart = vm.kernelStarts.find((k) => k.consoleEnd >= consoleFrom && k.at >= since - 1000);
  const beforeKernelS = kernelStart ? Math.max(0, (kernelStart.at - since) / 1000) : undefined;
  const m: BootMeasure = { name, readyMs, report };
  s.boots.push(m);
  const info = join(s.out, 'build-info.json');
  const sizes = existsSync(info) ? (JSON.parse(readFileSync(info, 'utf8')) as { sizes?: { kernelBytes?: number; initrdBytes?: number } }).sizes : undefined;
  console.log(`image-test: ${name}:\n${formatBreakdown(readyMs / 1000, report, sizes, beforeKernelS).map((l) => `  ${l}`).join('\n')}`);
  return m;
}
