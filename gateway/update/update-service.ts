/**
 * One network update at a time (POST /update, GET /update): receive and check the upload
 * (update-receiver.ts), hand the checked file to the slot installer, then reboot into the trial
 * slot. The state says where it is, with the bytes received, for the web UI's progress bar.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, PreconditionFailedError, toRoostError } from '../../protocols/errors.js';
import { parseTrustedKeys } from '../../protocols/update/update-signing.js';
import { receiveUpdate, type ReceiveOptions } from './update-receiver.js';
import type { SlotInstaller } from './slot-installer.js';

export interface UpdateOptions {
  /** Folder of trusted `<keyId>.pub` Ed25519 keys (the image's). */
  trustedKeysDir: string;
  maxBytes: number;
  keepFreeBytes: number;
  /** Time between the answer to POST /update and the reboot into the trial slot. */
  rebootDelayMs: number;
}

export type UpdatePhase = 'idle' | 'receiving' | 'installing' | 'installed' | 'failed';

export interface UpdateStatus {
  state: UpdatePhase;
  /** Bytes of the upload received so far, and its size once its header is in. */
  receivedBytes: number;
  totalBytes: number | null;
  /** `version (commit)` of the upload, once its signed header is in. */
  release: string | null;
  arch: string | null;
  slot: string | null;
  rebooting: boolean;
  error: { code: string; message: string } | null;
  updatedAt: number;
}

export interface UpdateDeps {
  dataDir: string;
  installer: SlotInstaller | null;
  options: UpdateOptions;
  now?: () => number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  freeBytes?: ReceiveOptions['freeBytes'];
}

/** Uploads are received here, inside the data dir. */
export const UPDATE_DIR = 'update-upload';

async function readKeys(dir: string): Promise<Map<string, Uint8Array>> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.pub'));
  return parseTrustedKeys(await Promise.all(names.map(async (name) => ({ name: join(dir, name), text: await readFile(join(dir, name), 'utf8') }))));
}

export class UpdateService {
  private s: UpdateStatus;
  private busy = false;
  private rebootTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: UpdateDeps) {
    this.now = deps.now ?? Date.now;
    this.s = { state: 'idle', receivedBytes: 0, totalBytes: null, release: null, arch: null, slot: null, rebooting: false, error: null, updatedAt: this.now() };
  }

  status(): UpdateStatus {
    return { ...this.s };
  }

  private set(patch: Partial<UpdateStatus>): void {
    this.s = { ...this.s, ...patch, updatedAt: this.now() };
  }

  /** Receives, checks and installs an upload; throws its typed error (the state says failed). */
  async upload(source: AsyncIterable<Uint8Array>, opts: { force: boolean; reboot: boolean; contentLength?: number }): Promise<UpdateStatus> {
    const installer = this.deps.installer;
    if (!installer) throw new PreconditionFailedError('this gateway is not running from a Roost A/B image: there is no slot to update');
    if (this.busy) throw new ConflictError(`an update is already ${this.s.state}`);
    if (this.s.rebooting) throw new ConflictError('an update is installed and the box is rebooting into it');
    this.busy = true;
    this.set({ state: 'receiving', receivedBytes: 0, totalBytes: opts.contentLength ?? null, release: null, arch: null, slot: null, error: null });
    const dir = join(this.deps.dataDir, UPDATE_DIR);
    let file: string | null = null;
    try {
      const running = await installer.running();
      const received = await receiveUpdate(source, {
        dir, trustedKeys: await readKeys(this.deps.options.trustedKeysDir), arch: installer.arch, runningVersion: running.version, force: opts.force,
        maxBytes: this.deps.options.maxBytes, keepFreeBytes: this.deps.options.keepFreeBytes,
        ...(this.deps.freeBytes ? { freeBytes: this.deps.freeBytes } : {}),
        onHeader: (m, total) => this.set({ totalBytes: total, release: `${m.version} (${m.commit})`, arch: m.arch }),
        onProgress: (n) => { this.s.receivedBytes = n; },
      });
      file = received.file;
      this.set({ state: 'installing', receivedBytes: received.bytes });
      this.deps.log?.info({ release: this.s.release, bytes: received.bytes }, 'update received and verified; installing into the inactive slot');
      const r = await installer.install(file, (msg) => this.deps.log?.info({}, `update: ${msg}`));
      this.set({ state: 'installed', slot: r.slot, release: r.release, rebooting: opts.reboot });
      if (opts.reboot) {
        this.rebootTimer = setTimeout(() => {
          this.deps.log?.warn({ slot: r.slot, release: r.release }, 'rebooting into the updated slot on trial');
          installer.reboot().catch((err: unknown) => {
            this.set({ state: 'failed', rebooting: false, error: { code: toRoostError(err).code, message: `reboot failed: ${(err as Error).message}` } });
          });
        }, this.deps.options.rebootDelayMs);
      }
      return this.status();
    } catch (err) {
      const e = toRoostError(err);
      this.set({ state: 'failed', error: { code: e.code, message: e.message } });
      this.deps.log?.warn({ err: e.message }, 'update refused');
      throw err;
    } finally {
      if (file) await rm(file, { force: true });
      this.busy = false;
    }
  }

  /** Stops a pending reboot (gateway stop). */
  close(): void {
    if (this.rebootTimer) clearTimeout(this.rebootTimer);
    this.rebootTimer = null;
  }
}
