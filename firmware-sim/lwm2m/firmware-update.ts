/**
 * Object 5 Firmware Update of the simulated device (TS Core Appendix E.6): push (Package /5/0/0
 * written block-wise) or pull (Package URI /5/0/1, fetched with Block2 GETs), the state
 * machine Idle -> Downloading -> Downloaded -> Updating -> Idle, Update /5/0/2, Update Result
 * /5/0/5, and the new version in /3/0/3 afterwards.
 *
 * A simulated package is `ROOSTFW1 <version>\n` followed by the image; anything else fails
 * with Update Result 6 (unsupported package type).
 */
import { MethodNotAllowedError } from '../../protocols/errors.js';
import type { Lwm2mValue } from '../../protocols/lwm2m/index.js';
import type { ObjectStore } from './object-store.js';

/** /5/0/3 State values. */
export const FW_STATE = { IDLE: 0, DOWNLOADING: 1, DOWNLOADED: 2, UPDATING: 3 } as const;
/** /5/0/5 Update Result values used by the simulator. */
export const FW_RESULT = { INITIAL: 0, SUCCESS: 1, CONNECTION_LOST: 4, UNSUPPORTED_TYPE: 6, INVALID_URI: 7, UNSUPPORTED_PROTOCOL: 9, CANCELLED: 10 } as const;

export const SIM_FIRMWARE_MAGIC = 'ROOSTFW1 ';

/** A package for the simulator carrying `version`. */
export function simFirmwarePackage(version: string, imageBytes = 4096): Buffer {
  const image = Buffer.alloc(imageBytes);
  for (let i = 0; i < imageBytes; i++) image[i] = (i * 31 + 7) & 0xff;
  return Buffer.concat([Buffer.from(`${SIM_FIRMWARE_MAGIC}${version}\n`), image]);
}

export interface FirmwareUpdateDeps {
  /** Fetches a package URI (coap:// only); rejects on failure. */
  pull(uri: string): Promise<Buffer>;
  /** After a successful update: the device "rebooted" into `version`. */
  installed(version: string): void;
  /** How long Updating lasts (default 50 ms). */
  updateMs?: number;
}

export class FirmwareUpdate {
  private pkgVersion: string | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly deps: FirmwareUpdateDeps,
  ) {
    store.addInstance(5, 0, { 1: '', 3: FW_STATE.IDLE, 5: FW_RESULT.INITIAL, 6: '', 7: '', 8: [0], 9: 2 });
    store.onWrite('/5/0/0', (v) => this.onPackage(v));
    store.onWrite('/5/0/1', (v) => this.onUri(String(v)));
    store.onExecute('/5/0/2', () => this.update());
    store.onExecute('/5/0/10', () => this.cancel());
  }

  get state(): number {
    return this.store.get('/5/0/3') as number;
  }

  private enter(state: number, result?: number): void {
    this.store.set('/5/0/3', state);
    if (result !== undefined) this.store.set('/5/0/5', result);
  }

  /** A Block1 upload of the package started (Downloading while blocks arrive). */
  downloadStarted(): void {
    if (this.state === FW_STATE.IDLE) this.enter(FW_STATE.DOWNLOADING, FW_RESULT.INITIAL);
  }

  private accept(pkg: Buffer): void {
    const nl = pkg.indexOf(0x0a);
    const head = nl > 0 ? pkg.subarray(0, nl).toString('latin1') : '';
    if (!head.startsWith(SIM_FIRMWARE_MAGIC) || head.length === SIM_FIRMWARE_MAGIC.length) {
      this.pkgVersion = null;
      this.enter(FW_STATE.IDLE, FW_RESULT.UNSUPPORTED_TYPE);
      return;
    }
    this.pkgVersion = head.slice(SIM_FIRMWARE_MAGIC.length);
    this.store.set('/5/0/6', 'roost-sim');
    this.store.set('/5/0/7', this.pkgVersion);
    this.enter(FW_STATE.DOWNLOADED, FW_RESULT.INITIAL);
  }

  private onPackage(v: Lwm2mValue): void {
    const pkg = Buffer.from(v as Uint8Array);
    // E.6: writing an empty Package (or a single 0x00) resets the state machine to Idle.
    if (pkg.length === 0 || (pkg.length === 1 && pkg[0] === 0)) return this.reset();
    this.accept(pkg);
  }

  private onUri(uri: string): void {
    // E.6: writing an empty Package URI resets the state machine to Idle.
    if (uri === '') return this.reset();
    if (!/^coaps?:\/\//.test(uri)) return this.enter(FW_STATE.IDLE, /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? FW_RESULT.UNSUPPORTED_PROTOCOL : FW_RESULT.INVALID_URI);
    this.enter(FW_STATE.DOWNLOADING, FW_RESULT.INITIAL);
    this.deps.pull(uri).then(
      (pkg) => {
        if (this.state === FW_STATE.DOWNLOADING) this.accept(pkg);
      },
      () => {
        if (this.state === FW_STATE.DOWNLOADING) this.enter(FW_STATE.IDLE, FW_RESULT.CONNECTION_LOST);
      },
    );
  }

  private update(): void {
    // E.6: Update is only executable in state Downloaded.
    if (this.state !== FW_STATE.DOWNLOADED || this.pkgVersion === null) throw new MethodNotAllowedError(`Update needs state Downloaded, state is ${this.state}`);
    const version = this.pkgVersion;
    this.enter(FW_STATE.UPDATING);
    this.timer = setTimeout(() => {
      this.store.set('/3/0/3', version);
      this.enter(FW_STATE.IDLE, FW_RESULT.SUCCESS);
      this.deps.installed(version);
    }, this.deps.updateMs ?? 50);
  }

  private cancel(): void {
    if (this.state === FW_STATE.UPDATING) throw new MethodNotAllowedError('the update is already being installed');
    this.pkgVersion = null;
    this.enter(FW_STATE.IDLE, FW_RESULT.CANCELLED);
  }

  private reset(): void {
    this.pkgVersion = null;
    this.enter(FW_STATE.IDLE, FW_RESULT.INITIAL);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
