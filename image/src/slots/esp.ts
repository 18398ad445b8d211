/**
 * The EFI system partition, read and written without mounting it: through mtools on the
 * partition's block device (or an image file), or through a folder (an ESP mounted elsewhere,
 * and tests). Paths are absolute inside the ESP, `/loader/entries/roost-a.conf`.
 */
import { execFile } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fsyncDir, writeFileDurable } from '../util/durable-file.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { InternalError } from '../../../protocols/errors.js';

const run = promisify(execFile);

export interface Esp {
  /** File names in a folder ([] when the folder does not exist). */
  list(dir: string): Promise<string[]>;
  read(path: string): Promise<Buffer>;
  /** Replaces or creates a file, creating its folders. */
  write(path: string, data: Buffer | string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** An ESP that is a folder. */
export class DirEsp implements Esp {
  constructor(private readonly root: string) {}

  private p(path: string): string {
    return join(this.root, path);
  }

  async list(dir: string): Promise<string[]> {
    try {
      return readdirSync(this.p(dir)).filter((n) => !n.includes('.tmp-')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async read(path: string): Promise<Buffer> {
    return readFileSync(this.p(path));
  }

  async write(path: string, data: Buffer | string): Promise<void> {
    mkdirSync(dirname(this.p(path)), { recursive: true });
    writeFileDurable(this.p(path), data);
  }

  async rename(from: string, to: string): Promise<void> {
    renameSync(this.p(from), this.p(to));
    fsyncDir(dirname(this.p(to)));
  }

  async remove(path: string): Promise<void> {
    rmSync(this.p(path), { force: true });
    fsyncDir(dirname(this.p(path)));
  }
}

/**
 * An ESP reached through mtools on a FAT image or partition (`mcopy -i DEVICE`), the way the
 * image is built and the way a running device updates it: no mount, no vfat in the kernel needed.
 * With an offset, the FAT starts that many bytes into the file: the ESP inside a whole disk image
 * (mtools' `FILE@@OFFSET`), so a stopped box's disk can be changed offline.
 */
export class MtoolsEsp implements Esp {
  private readonly env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  private readonly image: string;

  constructor(private readonly device: string, offsetBytes = 0) {
    if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0) throw new RangeError(`ESP offset must be a whole number of bytes >= 0, not ${offsetBytes}`);
    this.image = offsetBytes > 0 ? `${device}@@${offsetBytes}` : device;
  }

  private async m(cmd: string, args: string[], encoding: 'buffer' | 'utf8' = 'utf8'): Promise<string | Buffer> {
    try {
      const { stdout } = await run(cmd, ['-i', this.image, ...args], { env: this.env, encoding, maxBuffer: 256 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: Buffer | string; message: string };
      throw new InternalError(`${cmd} ${args.join(' ')} on ${this.image}: ${String(e.stderr ?? e.message).trim()}`, undefined, { cause: err });
    }
  }

  async list(dir: string): Promise<string[]> {
    let out: string;
    try {
      out = String(await this.m('mdir', ['-b', `::${dir}`]));
    } catch {
      return []; // mdir fails on a missing folder
    }
    // `mdir -b` prints one full path a line, folders with a trailing slash: ::/loader/entries/
    return out.split('\n').map((l) => l.trim().replace(/\/$/, '')).filter((l) => l.length > 0)
      .map((l) => l.slice(l.lastIndexOf('/') + 1)).filter((n) => n !== '.' && n !== '..' && n.length > 0).sort();
  }

  async read(path: string): Promise<Buffer> {
    return (await this.m('mcopy', ['-n', `::${path}`, '-'], 'buffer')) as Buffer;
  }

  async write(path: string, data: Buffer | string): Promise<void> {
    await this.mkdirs(dirname(path));
    const tmpDir = mkdtempSync(join(tmpdir(), 'roost-esp-'));
    try {
      const local = join(tmpDir, 'f');
      writeFileSync(local, data);
      await this.m('mcopy', ['-o', '-n', local, `::${path}`]);
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
    await this.flush();
  }

  async rename(from: string, to: string): Promise<void> {
    await this.m('mmove', ['-o', `::${from}`, `::${to}`]);
    await this.flush();
  }

  async remove(path: string): Promise<void> {
    await this.m('mdel', [`::${path}`]);
    await this.flush();
  }

  private async mkdirs(dir: string): Promise<void> {
    const parts = dir.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const d = `/${parts.slice(0, i).join('/')}`;
      if ((await this.list(dirname(d))).some((n) => n.toLowerCase() === parts[i - 1]!.toLowerCase())) continue;
      await this.m('mmd', [`::${d}`]);
    }
  }

  /** mtools writes through the page cache; push it to the device before anyone reboots. */
  private async flush(): Promise<void> {
    const fd = openSync(this.device, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
