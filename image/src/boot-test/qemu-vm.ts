/**
 * One qemu virtual machine for the boot test: UEFI firmware (OVMF, AAVMF), the image as a virtio disk,
 * user networking with the gateway's HTTP port forwarded to 127.0.0.1, the serial console in a
 * file, and the monitor on a unix socket: `quit` pulls the plug, `system_powerdown` presses the
 * power button (acpid on the image shuts down). Always TCG: /dev/kvm is unusable here (FACTS.md).
 *
 * A reboot of the guest is a power cycle here: qemu runs with `-no-reboot`, exits when the guest
 * resets, and is started again on the same disk, the console going on in the same file. OVMF
 * under TCG once hung for good after a warm reset (2026-12-07: no firmware output for 8 minutes
 * after the kernel's "Restarting system", one of six warm resets in a `make image-test` run; a
 * known class of edk2 warm-reset hangs), which failed the boot test for the emulator's sake. What
 * the image does to reboot (systemd, the kernel's reset) is the same either way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export interface VmOptions {
  workDir: string;
  name: string;
  disk: string;
  /** Extra disk (update media), read-only. */
  media?: string;
  hostHttpPort: number;
  /** Host ports forwarded to the gateway's HTTPS (tcp 8443) and CoAP (udp 5683), for secure-checks.ts. */
  hostHttpsPort?: number;
  hostCoapPort?: number;
  memoryMiB: number;
  cpus: number;
  firmware: string;
  qemu: string;
  machine: string[];
}

export type VmProfile = Pick<VmOptions, 'memoryMiB' | 'cpus' | 'firmware' | 'qemu' | 'machine'>;

/** 1 GiB and two CPUs, like a small gateway. */
const profile = (qemu: string, firmware: string, machine: string[]): VmProfile => ({ memoryMiB: 1024, cpus: 2, firmware, qemu, machine });

export const AMD64_VM = profile('qemu-system-x86_64', '/usr/share/ovmf/OVMF.fd', ['-M', 'q35', '-accel', 'tcg', '-cpu', 'max']);

/**
 * Generic arm64 UEFI: qemu's virt board with AAVMF (Debian qemu-efi-aarch64). A Cortex-A72 model,
 * not `max`: `max` emulates pointer authentication with the QARMA cipher, far slower under TCG.
 */
export const ARM64_VM = profile('qemu-system-aarch64', '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd', ['-M', 'virt', '-accel', 'tcg', '-cpu', 'cortex-a72']);

export const VM_PROFILES: Readonly<Record<'amd64' | 'arm64', VmProfile>> = { amd64: AMD64_VM, arm64: ARM64_VM };

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A free UDP port on 127.0.0.1 (bound, read, released), for the forwarded CoAP port. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

/** What ended one qemu process of a VM: the guest's reset (start it again) or the end of the VM. */
export function afterExit(consoleSinceStart: string, exitCode: number | null, stopping: boolean): 'power-cycle' | 'ended' {
  if (stopping || exitCode !== 0) return 'ended';
  // The kernel's last word before it powers off; anything else that ends qemu under -no-reboot is a reset.
  return /reboot: Power down/.test(consoleSinceStart) ? 'ended' : 'power-cycle';
}

/** qemu's arguments for one start of the VM (console appended to, monitor socket made anew). */
function qemuArgs(o: VmOptions, consoleFile: string, monitorSocket: string): string[] {
  return [
    ...o.machine, '-m', String(o.memoryMiB), '-smp', String(o.cpus),
    '-bios', o.firmware,
    // The disk is first in the firmware's boot order (bootindex), as a gateway's own disk is: without
    // it OVMF first tries the q35 board's empty DVD drive.
    '-drive', `file=${o.disk},format=raw,if=none,id=disk0,cache=writeback`,
    '-device', 'virtio-blk-pci,drive=disk0,bootindex=0',
    ...(o.media ? ['-drive', `file=${o.media},format=raw,if=virtio,readonly=on`] : []),
    '-netdev', [`user,id=n0,hostfwd=tcp:127.0.0.1:${o.hostHttpPort}-:8080`, ...(o.hostHttpsPort ? [`hostfwd=tcp:127.0.0.1:${o.hostHttpsPort}-:8443`] : []), ...(o.hostCoapPort ? [`hostfwd=udp:127.0.0.1:${o.hostCoapPort}-:5683`] : [])].join(','),
    // No network boot ROM (iPXE): the box never boots from the network, and the firmware loading
    // the ROM's driver is boot time under emulation. The firmware's own virtio driver remains.
    '-device', 'virtio-net-pci,netdev=n0,romfile=',
    '-display', 'none',
    '-chardev', `file,id=serial0,path=${consoleFile},append=on`,
    '-serial', 'chardev:serial0',
    // A guest reset ends qemu, and QemuVm starts it again: a power cycle (see above).
    '-no-reboot',
    '-monitor', `unix:${monitorSocket},server,nowait`,
  ];
}

export class QemuVm {
  readonly consoleFile: string;
  readonly monitorSocket: string;
  /**
   * When each boot's kernel started (wall clock, ms), estimated from a timestamped console line and
   * when the test saw it (boot-session.ts bootedSlot), with where that line ends on the console.
   */
  readonly kernelStarts: Array<{ at: number; consoleEnd: number }> = [];
  /** Guest resets turned into power cycles (a new qemu process each). */
  powerCycles = 0;
  private child: ChildProcess;
  private stopping = false;
  /** Settles when the VM has ended: powered off, pulled, or qemu failed (its exit code). */
  private readonly exited: Promise<number | null>;

  private constructor(readonly o: VmOptions) {
    this.consoleFile = join(o.workDir, `${o.name}.console.log`);
    this.monitorSocket = join(o.workDir, `${o.name}.monitor.sock`);
    rmSync(this.consoleFile, { force: true });
    rmSync(join(o.workDir, `${o.name}.qemu.log`), { force: true });
    let ended: (code: number | null) => void = () => undefined;
    this.exited = new Promise((resolve) => { ended = resolve; });
    const run = (): ChildProcess => {
      const consoleStart = this.consoleLength();
      rmSync(this.monitorSocket, { force: true });
      const log = openSync(join(o.workDir, `${o.name}.qemu.log`), 'a');
      const child = spawn(o.qemu, qemuArgs(o, this.consoleFile, this.monitorSocket), { stdio: ['ignore', log, log] });
      closeSync(log);
      child.once('exit', (code) => {
        if (afterExit(this.console().slice(consoleStart), code, this.stopping) === 'ended') {
          ended(code);
          return;
        }
        this.powerCycles++;
        console.log(`image-test: ${o.name}: the guest reset; qemu started again on the same disk (power cycle ${this.powerCycles})`);
        this.child = run();
      });
      return child;
    };
    this.child = run();
  }

  static start(o: VmOptions): QemuVm {
    return new QemuVm(o);
  }

  private consoleLength(): number {
    try {
      return statSync(this.consoleFile).size;
    } catch {
      return 0;
    }
  }

  console(): string {
    try {
      return readFileSync(this.consoleFile, 'latin1');
    } catch {
      return '';
    }
  }

  /** Waits for a console line matching re after byte offset `from`; returns the match and where it ends. */
  async waitForConsole(re: RegExp, timeoutMs: number, from = 0): Promise<{ match: RegExpExecArray; end: number }> {
    const deadline = Date.now() + timeoutMs;
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    for (;;) {
      const text = this.console();
      g.lastIndex = from;
      const match = g.exec(text);
      if (match) return { match, end: match.index + match[0].length };
      if (Date.now() > deadline) throw new Error(`${this.o.name}: no ${re} on the console within ${timeoutMs / 1000} s (${this.silence()})`);
      if (this.child.exitCode !== null) throw new Error(`${this.o.name}: qemu exited (${this.child.exitCode}) before ${re}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** How long the console has been silent: tells a hung boot from a slow one when a wait runs out. */
  private silence(): string {
    try {
      return `console last written ${((Date.now() - statSync(this.consoleFile).mtimeMs) / 1000).toFixed(0)} s ago`;
    } catch {
      return 'no console file';
    }
  }

  monitor(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.monitorSocket);
      let out = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => (out += d));
      sock.on('error', reject);
      sock.on('close', () => resolve(out));
      sock.once('connect', () => sock.end(`${command}\n`));
    });
  }

  /**
   * Presses the power button (monitor `system_powerdown`: an ACPI power button event) and waits
   * for the guest to power off, which ends qemu. Throws (and pulls the plug) when it has not
   * within `timeoutMs`. Milliseconds from the press to qemu's exit.
   */
  async pressPowerButton(timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    await this.monitor('system_powerdown');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const how = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (how === 'late') {
      await this.stop();
      throw new Error(`${this.o.name}: still running ${timeoutMs / 1000} s after the power button (${this.silence()})`);
    }
    return Date.now() - t0;
  }

  /** Pulls the plug (monitor `quit`) and waits for qemu to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null) return;
    await this.monitor('quit').catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(t);
  }
}
