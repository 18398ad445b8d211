/**
 * Firmware images on the data directory (`<dataDir>/firmware/<id>`), written by an admin (the
 * HTTP upload, or a file dropped there), read by firmware updates: written to a device's Package
 * (/5/0/0, push) or served at `coap://<gateway>/fw/<id>` for a device to pull with Block2
 * (RFC 7959 §2.2; the endpoint slices the answer).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError, DeviceNotFoundError } from '../../../protocols/errors.js';

export const PACKAGE_ID = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * Where a device pulls package `id` from: under lwm2mPackageBaseUri when the operator set one (a
 * name devices resolve), else the address the binding listens on (127.0.0.1 for a wildcard bind).
 */
export function packageUri(id: string, baseUri: string | undefined, listening: { address: string; port: number } | null, port: number): string {
  if (baseUri) return `${baseUri.replace(/\/+$/, '')}/fw/${id}`;
  const host = !listening || listening.address === '0.0.0.0' ? '127.0.0.1' : listening.address;
  return `coap://${host}:${listening?.port ?? port}/fw/${id}`;
}

/** Packages kept in memory at once (a pull reads the same image once per block). */
const CACHED = 4;

export class FirmwarePackages {
  private readonly cache = new Map<string, { mtimeMs: number; bytes: Buffer }>();

  constructor(readonly dir: string, private readonly maxBytes: number) {}

  /** The image `id`; throws 4.04 when it is not there, 4.00 for a bad id or an oversized file. */
  read(id: string): Buffer {
    if (!PACKAGE_ID.test(id) || id.startsWith('.')) throw new BadRequestError(`bad firmware package id ${JSON.stringify(id)}`);
    const file = join(this.dir, id);
    let st;
    try {
      st = statSync(file);
    } catch {
      throw new DeviceNotFoundError(`no firmware package ${id}`);
    }
    if (!st.isFile()) throw new DeviceNotFoundError(`no firmware package ${id}`);
    if (st.size > this.maxBytes) throw new BadRequestError(`firmware package ${id} is larger than ${this.maxBytes} bytes`);
    const hit = this.cache.get(id);
    if (hit && hit.mtimeMs === st.mtimeMs) return hit.bytes;
    const bytes = readFileSync(file);
    this.cache.delete(id);
    this.cache.set(id, { mtimeMs: st.mtimeMs, bytes });
    if (this.cache.size > CACHED) this.cache.delete(this.cache.keys().next().value!);
    return bytes;
  }
}
