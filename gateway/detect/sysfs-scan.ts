/**
 * Reads what hardware is plugged in, the way udev names it: USB serial ports from
 * `/dev/serial/by-id` with their vendor/product ids and strings from sysfs, and Bluetooth
 * controllers from `/sys/class/bluetooth`. The roots are options so that tests point the scan at
 * a fake tree. No I/O beyond reading directories, links and small attribute files.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface ScanRoots {
  /** `/sys` on a real system. */
  sysDir: string;
  /** `/dev` on a real system. */
  devDir: string;
}

export const REAL_ROOTS: ScanRoots = { sysDir: '/sys', devDir: '/dev' };

/** One USB serial port, as serialport's list would describe it. */
export interface UsbSerialPort {
  /** The stable name: `/dev/serial/by-id/usb-...` (under devDir). */
  path: string;
  /** The kernel's node the link points at (`/dev/ttyUSB0`). */
  devicePath: string;
  /** The by-id file name (serialport calls it pnpId). */
  pnpId: string;
  /** Lower-case hex, as lsusb prints it; absent when sysfs has no USB ancestor. */
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
}

export interface BluetoothController {
  /** `hci0`. */
  name: string;
  /** Its index, for the BLE binding's hciDeviceId. */
  index: number;
  /** `usb`, `uart`, `virtual`, ... when sysfs says (the device's subsystem). */
  bus?: string;
}

export interface HardwareScan {
  serialPorts: UsbSerialPort[];
  bluetooth: BluetoothController[];
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    const v = readFileSync(join(dir, name), 'utf8').trim();
    return v === '' ? undefined : v;
  } catch {
    return undefined;
  }
}

/** Walks up from a tty's sysfs device directory to the USB device that carries idVendor/idProduct. */
function usbAncestor(deviceDir: string, sysDir: string): string | undefined {
  let dir = deviceDir;
  const stop = resolve(sysDir);
  for (let i = 0; i < 12 && dir.startsWith(stop) && dir !== stop; i++) {
    if (existsSync(join(dir, 'idVendor')) && existsSync(join(dir, 'idProduct'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** The sysfs attributes of the tty a by-id link points at (`/sys/class/tty/<name>/device`). */
function describeTty(ttyName: string, roots: ScanRoots): Pick<UsbSerialPort, 'vendorId' | 'productId' | 'manufacturer' | 'product' | 'serialNumber'> {
  let deviceDir: string;
  try {
    deviceDir = realpathSync(join(roots.sysDir, 'class', 'tty', ttyName, 'device'));
  } catch {
    return {};
  }
  const usb = usbAncestor(deviceDir, roots.sysDir);
  if (!usb) return {};
  const out: ReturnType<typeof describeTty> = {};
  const set = (k: keyof ReturnType<typeof describeTty>, v: string | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('vendorId', readAttr(usb, 'idVendor')?.toLowerCase());
  set('productId', readAttr(usb, 'idProduct')?.toLowerCase());
  set('manufacturer', readAttr(usb, 'manufacturer'));
  set('product', readAttr(usb, 'product'));
  set('serialNumber', readAttr(usb, 'serial'));
  return out;
}

export function scanSerialPorts(roots: ScanRoots): UsbSerialPort[] {
  const byId = join(roots.devDir, 'serial', 'by-id');
  let names: string[];
  try {
    names = readdirSync(byId).sort();
  } catch {
    return [];
  }
  const ports: UsbSerialPort[] = [];
  for (const name of names) {
    const path = join(byId, name);
    let target: string;
    try {
      target = resolve(byId, readlinkSync(path));
    } catch {
      continue;
    }
    // A dangling link (the device went away, udev has not cleaned up yet) is no port.
    if (!existsSync(target)) continue;
    ports.push({ path, devicePath: target, pnpId: name, ...describeTty(basename(target), roots) });
  }
  return ports;
}

export function scanBluetooth(roots: ScanRoots): BluetoothController[] {
  const dir = join(roots.sysDir, 'class', 'bluetooth');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: BluetoothController[] = [];
  for (const name of names.sort()) {
    const m = /^hci(\d+)$/.exec(name);
    if (!m) continue;
    const c: BluetoothController = { name, index: Number(m[1]) };
    try {
      const subsystem = basename(realpathSync(join(dir, name, 'device', 'subsystem')));
      c.bus = subsystem;
    } catch {
      // A virtual controller has no device link.
    }
    out.push(c);
  }
  return out;
}

export function scanHardware(roots: ScanRoots): HardwareScan {
  return { serialPorts: scanSerialPorts(roots), bluetooth: scanBluetooth(roots) };
}
