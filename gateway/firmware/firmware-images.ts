/**
 * Firmware images an admin uploads, as files `<dir>/<id>` (where the LwM2M binding reads them:
 * docs/protocols/lwm2m.md "Firmware updates") with their name, version, size and SHA-256 in the
 * `firmware_images` table. A file is written atomically: a temporary file in the same folder,
 * fsync, rename, fsync of the folder, so after a crash or power cut an id names a whole image or
 * nothing. The table row is written after the rename: a row always has its file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Db } from '../store/database.js';
import { BadRequestError, ConflictError, PayloadTooLargeError, RouteNotFoundError } from '../../protocols/errors.js';

/** Ids the binding accepts as package names (bindings/coap/lwm2m/firmware-packages.ts). */
export const IMAGE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface FirmwareImage {
  id: string;
  name: string;
  version: string;
  size: number;
  sha256: string;
  createdAt: number;
  createdBy: string | null;
}

export interface ImageLimits {
  /** Largest image; a larger upload is refused with 413 (the LwM2M binding's lwm2mMaxPackageBytes). */
  maxImageBytes: number;
  /** Images kept at once; another upload is refused with 409 until one is deleted. */
  maxImages: number;
}

interface Row { id: string; name: string; version: string; size: number; sha256: string; created_at: number; created_by: string | null }

const toImage = (r: Row): FirmwareImage => ({ id: r.id, name: r.name, version: r.version, size: r.size, sha256: r.sha256, createdAt: r.created_at, createdBy: r.created_by });
const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40);

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class FirmwareImages {
  constructor(
    private readonly db: Db,
    readonly dir: string,
    readonly limits: ImageLimits,
    private readonly now: () => number = Date.now,
  ) {}

  list(): FirmwareImage[] {
    return (this.db.prepare('SELECT * FROM firmware_images ORDER BY created_at, id').all() as Row[]).map(toImage);
  }

  get(id: string): FirmwareImage {
    const row = this.db.prepare('SELECT * FROM firmware_images WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new RouteNotFoundError(`no firmware image ${id}`);
    return toImage(row);
  }

  /**
   * Stores the bytes of `body` (a stream, read to its end or until it passes the limit) as a new
   * image. `declaredBytes` (Content-Length) larger than the limit is refused before reading.
   */
  async add(body: Readable, meta: { name: string; version: string; createdBy?: string; declaredBytes?: number }): Promise<FirmwareImage> {
    const { maxImageBytes, maxImages } = this.limits;
    if (meta.declaredBytes !== undefined && meta.declaredBytes > maxImageBytes) {
      body.resume();
      throw new PayloadTooLargeError(`firmware image of ${meta.declaredBytes} bytes is larger than ${maxImageBytes} bytes`);
    }
    const count = (this.db.prepare('SELECT count(*) AS n FROM firmware_images').get() as { n: number }).n;
    if (count >= maxImages) {
      body.resume();
      throw new ConflictError(`${count} firmware images are stored (at most ${maxImages}): delete one first`);
    }
    const id = `${slug(meta.name) || 'fw'}-${slug(meta.version) || 'v'}-${randomBytes(3).toString('hex')}`.slice(0, 64);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // A leading dot: the binding never serves it (firmware-packages.ts refuses such ids).
    const tmp = join(this.dir, `.${id}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxImageBytes) throw new PayloadTooLargeError(`firmware image is larger than ${maxImageBytes} bytes`);
        hash.update(chunk);
        for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
      }
      if (size === 0) throw new BadRequestError('empty firmware image');
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      body.resume();
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, join(this.dir, id));
    fsyncDir(this.dir);
    const image: FirmwareImage = { id, name: meta.name, version: meta.version, size, sha256: hash.digest('hex'), createdAt: this.now(), createdBy: meta.createdBy ?? null };
    this.db.prepare('INSERT INTO firmware_images (id, name, version, size, sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(image.id, image.name, image.version, image.size, image.sha256, image.createdAt, image.createdBy);
    return image;
  }

  /** Removes an image (the caller has checked that no running campaign uses it): the row first, then the file. */
  remove(id: string): void {
    this.get(id);
    this.db.prepare('DELETE FROM firmware_images WHERE id = ?').run(id);
    try {
      unlinkSync(join(this.dir, id));
      fsyncDir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
