/**
 * Vendor files of zigbee-herdsman-converters compiled in part: a file's prologue (its requires and
 * local converters) with only the definitions a lookup needs, placed in Node's module cache under
 * the file's own path, where the converters' `require('./devices/<vendor>')` finds it.
 *
 * Why: V8 keeps a script's whole source while any function compiled from it lives, so one kept
 * definition of tuya.js held all of it (1.47 M characters, 2.9 MB of heap: it has characters
 * beyond Latin-1), and compiling whole files for a burst of joins left the process's allocator
 * holding the parser's memory. A part holds the prologue (tuya.js: 100 k characters, sonoff.js:
 * 394 k of 630 k) and one definition.
 *
 * A lookup first places the definitions the models index names for the device's model id (for
 * `TS0601`, hundreds of Tuya fingerprints); when there are several, `narrow` compiles the one the
 * library picked again, alone, so that what stays is the prologue and that definition. The
 * library's own lookup runs on these parts unchanged: same candidates, same indexes, same order.
 */
import { Module, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';
import { definitionSpans, type DefinitionSpans } from './definition-spans.js';
import type { CachedModule } from './model-definitions.js';

/** A definition the models index names: a vendor file (name in `dist/devices`) and its index in that file's `definitions`. */
export type IndexRow = readonly [file: string, index: number];

export interface VendorSlicesOptions {
  /** The converters' `dist/devices` directory (absolute). */
  devicesDir: string;
  /** Node's `require.cache`, where the converters' `require` looks first. */
  moduleCache: Record<string, CachedModule | undefined>;
  /** Reads a vendor file's source (UTF-8). */
  read: (path: string) => string;
}

export interface VendorSlicesCounters {
  /** Vendor files compiled in part for a lookup. */
  parts: number;
  /** Vendor files left to the library, loaded whole (a layout not understood, a definition without the model id the index gave). */
  whole: number;
  /** Definitions compiled again alone after the library picked one of several. */
  narrowed: number;
}

interface PlacedFile {
  path: string;
  source: string;
  spans: DefinitionSpans;
  /** The module placed for the lookup (restored if a narrowing is undone). */
  module: CachedModule;
}

/** The definitions placed for one lookup; dropped after it. */
export class Placement {
  /** Each definition placed, to its file and index. */
  readonly origin = new Map<object, IndexRow>();
  /** The vendor files (paths) left to the library, to be loaded whole. */
  readonly whole: string[] = [];
  private readonly files = new Map<string, PlacedFile>();

  constructor(private readonly slices: VendorSlices) {}

  get size(): number {
    return this.origin.size;
  }

  /** @internal */
  add(file: string, placed: PlacedFile, definitions: readonly unknown[], indexes: readonly number[]): void {
    this.files.set(file, placed);
    for (const i of indexes) this.origin.set(definitions[i] as object, [file, i]);
  }

  /**
   * Compiles `picked` (a definition placed here) again, alone, and puts it in its file's module
   * at its index, the other definitions placed there beside it as they were. Returns the new
   * definition, or undefined for a definition not placed here.
   */
  narrow(picked: object): object | undefined {
    const row = this.origin.get(picked);
    const placed = row && this.files.get(row[0]);
    if (!row || !placed) return undefined;
    const alone = compileDefinitions(placed.path, placed.source, placed.spans, [row[1]]);
    const definitions = [...(placed.module.exports as { definitions: unknown[] }).definitions];
    definitions[row[1]] = alone.definitions[row[1]];
    // `definitions` and its aliases (`exports.default`, the epilogue's) name the array the library reads.
    const exports = alone.module.exports as Record<string, unknown>;
    for (const key of Object.keys(exports)) if (exports[key] === alone.definitions) exports[key] = definitions;
    this.slices.put(placed.path, alone.module);
    this.slices.counters.narrowed++;
    return definitions[row[1]] as object;
  }

  /** Puts back the modules placed first (a narrowing the library did not pick again). */
  restore(): void {
    for (const placed of this.files.values()) this.slices.put(placed.path, placed.module);
  }
}

export class VendorSlices {
  readonly counters: VendorSlicesCounters = { parts: 0, whole: 0, narrowed: 0 };

  constructor(private readonly opts: VendorSlicesOptions) {}

  /**
   * Places, for each vendor file of `rows`, a module of its prologue and those rows' definitions.
   * `modelKey` is the key the rows were found under (a lower-cased model id): a definition compiled
   * without it among its model ids means the spans were wrong, and its file is left to the library.
   */
  place(rows: readonly IndexRow[], modelKey: string): Placement {
    const placement = new Placement(this);
    const byFile = new Map<string, number[]>();
    for (const [file, i] of rows) byFile.set(file, [...(byFile.get(file) ?? []), i]);
    for (const [file, indexes] of byFile) {
      const path = join(this.opts.devicesDir, file);
      const source = readOrUndefined(this.opts.read, path);
      const spans = source === undefined ? undefined : definitionSpans(source);
      const part = source !== undefined && spans && indexes.every((i) => i < spans.elements.length)
        ? tryCompile(path, source, spans, indexes)
        : undefined;
      if (source === undefined || !spans || !part || !indexes.every((i) => modelKeys(part.definitions[i]).has(modelKey))) {
        this.counters.whole++;
        placement.whole.push(path);
        continue;
      }
      this.put(path, part.module);
      placement.add(file, { path, source, spans, module: part.module }, part.definitions, indexes);
      this.counters.parts++;
    }
    return placement;
  }

  /** @internal Puts a module in the cache as the vendor file at `path`. */
  put(path: string, module: CachedModule): void {
    this.opts.moduleCache[path] = module;
  }
}

/** A file that cannot be read is the library's to load (and to report). */
function readOrUndefined(read: (path: string) => string, path: string): string | undefined {
  try {
    return read(path);
  } catch {
    return undefined;
  }
}

/** A part that does not compile or whose prologue throws (spans gone wrong) is no part: the library loads the file. */
function tryCompile(...args: Parameters<typeof compileDefinitions>): ReturnType<typeof compileDefinitions> | undefined {
  try {
    return compileDefinitions(...args);
  } catch {
    return undefined;
  }
}

/**
 * Compiles a vendor file's prologue with the definitions at `indexes`, as that file's CommonJS
 * module: `exports.definitions` has them at their indexes and holes elsewhere. Each definition
 * starts on its own line of the file, so stack traces and `toString()` read as the original.
 */
export function compileDefinitions(path: string, source: string, spans: DefinitionSpans, indexes: readonly number[]): { module: CachedModule; definitions: readonly unknown[] } {
  const parts = [source.slice(0, spans.prologueEnd), 'exports.definitions = [];'];
  let line = lines(source, 0, spans.prologueEnd);
  let written = line;
  let at = spans.prologueEnd;
  for (const i of [...new Set(indexes)].sort((a, b) => a - b)) {
    const [start, end] = spans.elements[i] as readonly [number, number];
    line += lines(source, at, start);
    if (line > written) parts.push('\n'.repeat(line - written));
    const text = source.slice(start, end);
    parts.push(`exports.definitions[${i}] = `, text, ';');
    line += lines(text, 0, text.length);
    written = line;
    at = end;
  }
  parts.push('\n', spans.epilogue, '\n');
  const dir = dirname(path);
  const run = compileFunction(parts.join(''), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: path });
  const module = new Module(path) as Module & CachedModule & { loaded: boolean };
  module.filename = path;
  run.call(module.exports, module.exports, createRequire(path), module, path, dir);
  module.loaded = true;
  return { module, definitions: (module.exports as { definitions: unknown[] }).definitions };
}

function lines(text: string, from: number, to: number): number {
  let n = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/** The lower-cased model ids the models index files a definition under (zigbeeModel, fingerprints' modelID, or `null`). */
export function modelKeys(definition: unknown): Set<string> {
  const d = definition as { zigbeeModel?: unknown; fingerprint?: unknown } | undefined;
  const keys = new Set<string>();
  // As the library keys a model id: `modelID ? modelID.toLowerCase() : "null"`.
  const add = (id: unknown) => keys.add(typeof id === 'string' && id !== '' ? id.toLowerCase() : 'null');
  if (Array.isArray(d?.zigbeeModel)) for (const z of d.zigbeeModel) add(z);
  if (Array.isArray(d?.fingerprint)) for (const f of d.fingerprint as Array<{ modelID?: unknown } | undefined>) add(f?.modelID);
  return keys;
}
