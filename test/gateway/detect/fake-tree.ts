/** A fake /sys and /dev for the detector: USB serial ports with by-id links, Bluetooth controllers. */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from '../../helpers/temp-dir.js';

export interface FakeUsb {
  byId: string;
  /** The node the by-id link points at; created as a plain file unless it exists (a pty). */
  target: string;
  vendorId: string;
  productId: string;
  manufacturer?: string;
  product?: string;
}

export class FakeTree {
  readonly root = tempDir('roost-detect-');
  readonly sysDir = join(this.root, 'sys');
  readonly devDir = join(this.root, 'dev');
  private n = 0;

  constructor() {
    mkdirSync(join(this.sysDir, 'class', 'tty'), { recursive: true });
    mkdirSync(join(this.sysDir, 'class', 'bluetooth'), { recursive: true });
    mkdirSync(join(this.devDir, 'serial', 'by-id'), { recursive: true });
  }

  /** A tty node under the fake /dev (for ports that need no real device). */
  node(name: string): string {
    const p = join(this.devDir, name);
    writeFileSync(p, '');
    return p;
  }

  /** Plugs a USB serial adapter: sysfs USB device + interface + tty, and the by-id link. */
  plugUsb(u: FakeUsb): string {
    const i = ++this.n;
    const usb = join(this.sysDir, 'devices', 'pci0000:00', `usb${i}`, `${i}-1`);
    const tty = basename(u.target);
    const ifaceTty = join(usb, `${i}-1:1.0`, tty);
    mkdirSync(ifaceTty, { recursive: true });
    writeFileSync(join(usb, 'idVendor'), `${u.vendorId}\n`);
    writeFileSync(join(usb, 'idProduct'), `${u.productId}\n`);
    if (u.manufacturer) writeFileSync(join(usb, 'manufacturer'), `${u.manufacturer}\n`);
    if (u.product) writeFileSync(join(usb, 'product'), `${u.product}\n`);
    mkdirSync(join(this.sysDir, 'class', 'tty', tty), { recursive: true });
    symlinkSync(ifaceTty, join(this.sysDir, 'class', 'tty', tty, 'device'));
    const link = join(this.devDir, 'serial', 'by-id', u.byId);
    symlinkSync(u.target, link);
    return link;
  }

  unplugUsb(byId: string): void {
    rmSync(join(this.devDir, 'serial', 'by-id', byId), { force: true });
  }

  plugBluetooth(name: string, bus = 'usb'): void {
    const dev = join(this.sysDir, 'devices', 'bt', name);
    mkdirSync(join(dev, 'device'), { recursive: true });
    mkdirSync(join(this.sysDir, 'bus', bus), { recursive: true });
    symlinkSync(join(this.sysDir, 'bus', bus), join(dev, 'device', 'subsystem'));
    symlinkSync(dev, join(this.sysDir, 'class', 'bluetooth', name));
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
