/**
 * Where a boot's time went, read off the VM's console: the lines roost-boot-report.sh prints once
 * the boot has finished (systemd-analyze: firmware, loader, kernel, initrd, userspace; the
 * slowest units; the gateway's critical chain; when the gateway's process started), put beside
 * what the boot test measured from outside (power-on to /healthz answering). Pure.
 */

export interface BootPhases {
  /** Seconds per phase as systemd-analyze names them: firmware, loader, kernel, initrd, userspace. */
  phases: Record<string, number>;
  totalS: number;
}

export interface BootReport {
  startup: BootPhases | null;
  blame: string[];
  criticalChain: string[];
  /** Seconds after the kernel started (CLOCK_MONOTONIC) when roost.service's process started. */
  gatewayStartedS: number | null;
}

const PREFIX = 'roost-boot-report| ';

/** systemd's time spans: "1min 2.345s", "2.345s", "345ms". */
export function parseSpan(text: string): number {
  let s = 0;
  const re = /(\d+(?:\.\d+)?)(min|ms|us|s)\b/g;
  let m: RegExpExecArray | null;
  let any = false;
  while ((m = re.exec(text)) !== null) {
    any = true;
    const v = Number(m[1]);
    s += m[2] === 'min' ? v * 60 : m[2] === 'ms' ? v / 1000 : m[2] === 'us' ? v / 1e6 : v;
  }
  if (!any) throw new Error(`not a time span: ${text}`);
  return s;
}

/** `2.1s (firmware) + 1.2s (loader) + ... = 32.4s` */
export function parseStartup(line: string): BootPhases {
  const [parts, total] = line.split(' = ');
  const phases: Record<string, number> = {};
  for (const part of (parts ?? '').split(' + ')) {
    const m = /^(.*) \(([a-z]+)\)$/.exec(part.trim());
    if (m) phases[m[2]!] = parseSpan(m[1]!);
  }
  return { phases, totalS: total ? parseSpan(total) : Object.values(phases).reduce((a, b) => a + b, 0) };
}

/** The last complete report on the console after byte offset `from`, or null. */
export function parseBootReport(consoleText: string, from = 0): BootReport | null {
  const text = consoleText.slice(from);
  const end = text.lastIndexOf(`${PREFIX}roost-boot-report: end`);
  if (end < 0) return null;
  const begin = text.lastIndexOf(`${PREFIX}roost-boot-report: begin`, end);
  if (begin < 0) return null;
  // journal+console output reaches the console behind the journal's own prefix ("[  370.88] unit[pid]: ").
  const lines = text.slice(begin, end).split('\n').filter((l) => l.includes(PREFIX)).map((l) => l.slice(l.indexOf(PREFIX) + PREFIX.length).replace(/\r$/, ''));
  const r: BootReport = { startup: null, blame: [], criticalChain: [], gatewayStartedS: null };
  let section: 'blame' | 'criticalChain' | null = null;
  for (const l of lines) {
    if (l.startsWith('startup: ')) r.startup = parseStartup(l.slice('startup: '.length));
    else if (l.startsWith('gateway-started-us: ')) {
      const us = Number(l.slice('gateway-started-us: '.length));
      r.gatewayStartedS = Number.isFinite(us) && us > 0 ? us / 1e6 : null;
    } else if (l === 'blame:') section = 'blame';
    else if (l === 'critical-chain:') section = 'criticalChain';
    else if (section && l.trim() !== '' && !l.startsWith('roost-boot-report:')) r[section].push(l.trimEnd());
  }
  return r;
}

/** Lines for the test's output: the outside measurement, systemd's phases, the gateway's own start, the slowest units. */
/**
 * The boot's breakdown as the boot test prints it. `consoleBeforeKernelS`: power-on to the kernel's
 * start as the test saw it on the console, used when systemd-analyze has no firmware and loader
 * times (OVMF on amd64 gives none; without it the firmware's seconds were counted as the gateway's).
 */
export function formatBreakdown(readyS: number, r: BootReport | null, sizes?: { kernelBytes?: number; initrdBytes?: number }, consoleBeforeKernelS?: number): string[] {
  const out = [`power-on to /healthz answering: ${readyS.toFixed(1)} s`];
  if (sizes?.kernelBytes || sizes?.initrdBytes) {
    out.push(`  kernel ${((sizes.kernelBytes ?? 0) / 1e6).toFixed(1)} MB, initramfs ${((sizes.initrdBytes ?? 0) / 1e6).toFixed(1)} MB`);
  }
  if (!r) return [...out, '  (no boot report on the console)'];
  if (r.startup) {
    out.push(`  systemd-analyze: ${Object.entries(r.startup.phases).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}; boot finished at ${r.startup.totalS.toFixed(1)} s`);
    const reported = r.startup.phases['firmware'] !== undefined || r.startup.phases['loader'] !== undefined;
    const beforeKernel = reported ? (r.startup.phases['firmware'] ?? 0) + (r.startup.phases['loader'] ?? 0) : consoleBeforeKernelS ?? 0;
    if (!reported && consoleBeforeKernelS !== undefined) out.push(`  power-on to the kernel's start (firmware, boot loader): ~${consoleBeforeKernelS.toFixed(1)} s, from the console`);
    if (r.gatewayStartedS !== null) {
      const started = beforeKernel + r.gatewayStartedS;
      out.push(`  gateway process started at ${started.toFixed(1)} s (kernel + ${r.gatewayStartedS.toFixed(1)} s); from there to /healthz: ${(readyS - started).toFixed(1)} s`);
    }
  }
  if (r.blame.length > 0) out.push('  slowest units (systemd-analyze blame):', ...r.blame.slice(0, 10).map((l) => `    ${l.trim()}`));
  if (r.criticalChain.length > 0) out.push('  critical chain of roost.service:', ...r.criticalChain.map((l) => `    ${l}`));
  return out;
}
