/**
 * Model definitions for devices, found by the converters' own lookup and kept without the rest of
 * their vendor files.
 *
 * zigbee-herdsman-converters 26.x identifies a device (`findByDevice`) through an index built with
 * the package (`dist/models-index.json`: every zigbeeModel and fingerprint modelID, lower-cased, to
 * a vendor file and a position in it), and loads only the vendor files the device's model id names
 * there; a model id it does not know loads none (its definition is generated from the clusters).
 * What stays is each such vendor file whole: every definition in it (tuya.js: some 10 MB of heap
 * for one Tuya device). This class calls that same lookup, so identification is the library's
 * own, then releases the vendor modules it loaded, keeping only the definitions found: one per
 * identity (the device fields the lookup reads), shared by every device that has it.
 *
 * With `slices` (vendor-slices.ts), the vendor files a lookup needs are not loaded whole: each is
 * compiled in part, its prologue and the definitions the index names, and the one definition kept
 * is compiled again alone, so that what stays in memory is that definition and its file's
 * prologue (tuya.js: 100 k of its 1.47 M characters). A file whose layout the slicer does not
 * understand is loaded whole by the library, as without slices.
 *
 * Releasing a CommonJS module means forgetting it everywhere Node keeps it: `require.cache`, its
 * parent's `children`, and the `parent` of the modules it was first to require (the converters'
 * `lib/` files, which stay loaded: every vendor shares them).
 */
import { sep } from 'node:path';
import type { VendorSlices } from './vendor-slices.js';

/** The fields of a herdsman Device that the converters' lookup reads (findDefinition, isFingerprintMatch). */
export interface IdentifiedDevice {
  ieeeAddr: string;
  modelID?: string | undefined;
  manufacturerName?: string | undefined;
  type?: string | undefined;
  applicationVersion?: number | undefined;
  manufacturerID?: number | undefined;
  dateCode?: string | undefined;
  hardwareVersion?: number | undefined;
  powerSource?: string | undefined;
  softwareBuildID?: string | undefined;
  stackVersion?: number | undefined;
  zclVersion?: number | undefined;
  endpoints: ReadonlyArray<{ ID: number; deviceID?: number | undefined; profileID?: number | undefined; inputClusters: readonly number[]; outputClusters: readonly number[] }>;
}

/** What this class reads of a definition: whether it was generated, and fingerprints on IEEE address. */
export interface DefinitionLike {
  generated?: boolean;
}

interface RawDefinition {
  fingerprint?: Array<{ ieeeAddr?: unknown }>;
  whiteLabel?: Array<{ fingerprint?: Array<{ ieeeAddr?: unknown }> }>;
}

/** The converters' index: lower-cased model id (or `null`) -> [vendor file, index in its `definitions`]. */
export type ModelsIndex = Readonly<Record<string, ReadonlyArray<readonly [string, number]>>>;

/** The part of Node's CommonJS module that releasing touches. */
export interface CachedModule {
  id: string;
  exports: unknown;
  parent?: CachedModule | null | undefined;
  children: CachedModule[];
}

export interface ModelDefinitionsOptions<D extends DefinitionLike> {
  /** The converters' `findByDevice(device, generateForUnknown)`. */
  findByDevice: (device: IdentifiedDevice) => Promise<D | undefined>;
  /** The converters' `dist/devices` directory (absolute). */
  devicesDir: string;
  index: ModelsIndex;
  /** Node's `require.cache`. */
  moduleCache: Record<string, CachedModule | undefined>;
  /**
   * Vendor files are released this long after the last lookup, or before a lookup that does not
   * need them, not at once: consecutive lookups in a file the library loads whole share one
   * instance of it. A file released and loaded again for a new model is a second instance, and
   * each instance whose functions a kept definition uses keeps its whole source in the heap
   * (sonoff.js: 1.26 MB). With `slices`, each lookup compiles its own part of a file.
   */
  releaseDelayMs: number;
  /** Compiles vendor files in part (absent: the library loads each file a lookup needs whole). */
  slices?: VendorSlices | undefined;
  /** The converters' `findDefinition(device, generateForUnknown)`: the definition picked, before it is prepared. Needed with `slices`. */
  findDefinition?: ((device: IdentifiedDevice) => Promise<object | undefined>) | undefined;
}

export interface ModelDefinitionsCounters {
  /** Lookups by the converters (a vendor file loaded and released each time it had one). */
  lookups: number;
  /** Devices given a definition found before for the same identity. */
  shared: number;
  /** Vendor modules released. */
  released: number;
}

export class ModelDefinitions<D extends DefinitionLike> {
  readonly counters: ModelDefinitionsCounters = { lookups: 0, shared: 0, released: 0 };
  private readonly byIdentity = new Map<string, D | undefined>();
  /** One lookup at a time: a lookup's vendor modules are released before the next one loads. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly prefix: string;
  private releaseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ModelDefinitionsOptions<D>) {
    this.prefix = opts.devicesDir.endsWith(sep) ? opts.devicesDir : opts.devicesDir + sep;
  }

  /** The converters' definition for this device (generated for an unknown model), or undefined. */
  find(device: IdentifiedDevice): Promise<D | undefined> {
    const next = this.queue.then(() => this.lookup(device));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Releases the vendor files now (stop). */
  close(): void {
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    this.release();
  }

  private async lookup(device: IdentifiedDevice): Promise<D | undefined> {
    const key = identity(device);
    if (this.byIdentity.has(key)) {
      this.counters.shared++;
      return this.byIdentity.get(key);
    }
    this.counters.lookups++;
    // A model id such as `constructor` reads Object.prototype's members out of the converters' index
    // (a plain object) and their lookup throws on it: such a device is left unidentified.
    if (inheritedKey(this.opts.index, device.modelID)) return undefined;
    // Only the files this lookup will use stay: a burst of many vendors holds one at a time.
    this.release(this.filesFor(device.modelID));
    try {
      await this.placeSlices(device);
      const def = await this.opts.findByDevice(device);
      // A generated definition is built from this device's own clusters; a fingerprint on the IEEE
      // address makes the answer depend on the address, which the identity leaves out.
      if (def?.generated !== true && !this.candidatesUseIeee(device.modelID)) this.byIdentity.set(key, def);
      return def;
    } finally {
      this.releaseLater();
    }
  }

  private releaseLater(): void {
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    if (this.opts.releaseDelayMs <= 0) return this.release();
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = undefined;
      this.release();
    }, this.opts.releaseDelayMs);
    this.releaseTimer.unref();
  }

  /**
   * Places the parts of the vendor files this lookup needs; with several candidates, asks the
   * library which one it picks and compiles that one again alone. The library's answer on the
   * narrowed parts must be the same definition, or the first parts are put back.
   */
  private async placeSlices(device: IdentifiedDevice): Promise<void> {
    const { slices, findDefinition } = this.opts;
    const found = this.rowsFor(device.modelID);
    if (!slices || !found) return;
    const placement = slices.place(found.rows, found.key);
    // A file left to the library must not be found in the cache as a part an earlier lookup placed
    // (without this lookup's definitions): the library loads it whole.
    this.forget(new Set(placement.whole.filter((path) => this.opts.moduleCache[path] !== undefined)));
    if (placement.size < 2 || !findDefinition) return;
    const picked = await findDefinition(device);
    const alone = picked && placement.narrow(picked);
    if (alone && (await findDefinition(device)) !== alone) placement.restore();
  }

  /**
   * The index's rows for a model id and the key they were found under: the lower-cased id, else
   * the id cut at a NUL and trimmed, as the converters' own getFromIndex looks it up.
   */
  private rowsFor(modelId: string | undefined): { key: string; rows: ReadonlyArray<readonly [string, number]> } | undefined {
    const key = modelId ? modelId.toLowerCase() : 'null';
    const rows = ownRows(this.opts.index, key);
    if (rows) return { key, rows };
    const normal = normalModelKey(key);
    const again = ownRows(this.opts.index, normal);
    return again && { key: normal, rows: again };
  }

  /** Whether a definition the index offers for this model id matches on IEEE addresses (unknown: yes). */
  private candidatesUseIeee(modelId: string | undefined): boolean {
    const rows = this.rowsFor(modelId)?.rows;
    if (!rows) return true;
    return rows.some(([file, i]) => {
      const mod = this.opts.moduleCache[this.prefix + file];
      const def = (mod?.exports as { definitions?: RawDefinition[] } | undefined)?.definitions?.[i];
      if (!def) return true;
      const prints = [...(def.fingerprint ?? []), ...(def.whiteLabel ?? []).flatMap((w) => w.fingerprint ?? [])];
      return prints.some((f) => f.ieeeAddr !== undefined);
    });
  }

  /** The vendor files the index names for a model id (none known: none). */
  private filesFor(modelId: string | undefined): Set<string> {
    const rows = this.rowsFor(modelId)?.rows ?? [];
    return new Set(rows.map(([file]) => this.prefix + file));
  }

  /** Forgets the vendor modules loaded but those in `keep`, so that only the definitions kept stay in memory. */
  private release(keep: ReadonlySet<string> = new Set()): void {
    this.forget(new Set(Object.keys(this.opts.moduleCache).filter((k) => k.startsWith(this.prefix) && !keep.has(k))));
  }

  /** Forgets these vendor modules (paths in the cache). */
  private forget(gone: ReadonlySet<string>): void {
    const cache = this.opts.moduleCache;
    if (gone.size === 0) return;
    const released = (m: CachedModule | null | undefined) => m !== null && m !== undefined && gone.has(m.id);
    for (const m of Object.values(cache)) {
      if (!m || released(m)) continue;
      if (released(m.parent)) m.parent = undefined;
      if (m.children.some(released)) m.children = m.children.filter((c) => !released(c));
    }
    for (const k of gone) delete cache[k];
    this.counters.released += gone.size;
  }
}

/** The index's own rows for a key (never a member of Object.prototype). */
function ownRows(index: ModelsIndex, key: string): ModelsIndex[string] | undefined {
  return Object.hasOwn(index, key) ? index[key] : undefined;
}

/** A model id cut at a NUL and trimmed, as the converters normalise one they do not find. */
function normalModelKey(key: string): string {
  return key.replace(/\0(.|\n)*$/g, '').trim();
}

/** Whether the converters' own lookup of this model id (as-is or normalised) would read an inherited member of the index. */
function inheritedKey(index: ModelsIndex, modelId: string | undefined): boolean {
  if (!modelId) return false;
  const key = modelId.toLowerCase();
  // The library reads the normalised id only when the id itself gave nothing.
  if (key in index) return !Object.hasOwn(index, key);
  const normal = normalModelKey(key);
  return normal in index && !Object.hasOwn(index, normal);
}

/**
 * Everything the converters' lookup compares, bar the IEEE address: devices equal in these get
 * the same definition (a model's fingerprints pick by firmware, clusters, manufacturer...).
 */
function identity(d: IdentifiedDevice): string {
  const sorted = (a: readonly number[]) => [...a].sort((x, y) => x - y);
  return JSON.stringify([
    d.modelID, d.manufacturerName, d.type, d.applicationVersion, d.manufacturerID, d.dateCode, d.hardwareVersion,
    d.powerSource, d.softwareBuildID, d.stackVersion, d.zclVersion,
    d.endpoints.map((e) => [e.ID, e.deviceID, e.profileID, sorted(e.inputClusters), sorted(e.outputClusters)]),
  ]);
}
