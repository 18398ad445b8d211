/**
 * The configuration as the API sees it (GET/PATCH /config): the file's config plus the changes
 * admins made, kept as one merge patch in <dataDir>/config-changes.json (written atomically) and
 * applied over the file at every start. A patch is checked against the same schema (and each
 * binding's options schema) before anything changes; bindings are turned on, off or restarted
 * with their new options live, and the answer names what else waits for a restart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BadRequestError, ConfigInvalidError } from '../../protocols/errors.js';
import type { BindingStatus } from '../binding.js';
import { mergePatch } from '../hub/directory.js';
import { resolveConfig, type RoostConfig } from './config.js';
import { writeFileDurable } from './durable-file.js';

export const CHANGES_FILE = 'config-changes.json';

/** Keys never sent back by GET /config: written, never read (auth.adminPassword, uplink.password, keys, PSKs). */
/** Keys whose values are secrets: write-only in GET /config and the UI (a token, not a token's lifetime such as tokenTtlS). */
export const SECRET_KEY = /password|secret|psk|networkKey|token$|^key$/i;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Two merge patches as one (RFC 7396): unlike applying them, a null of the later one is kept. */
export function composePatch(a: unknown, b: unknown): unknown {
  if (!isObject(b)) return structuredClone(b);
  const out: Json = isObject(a) ? { ...a } : {};
  for (const [k, v] of Object.entries(b)) out[k] = v === null ? null : isObject(v) && isObject(out[k]) ? composePatch(out[k], v) : composePatch(undefined, v);
  return out;
}

/** A copy without secret values. */
export function redactSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactSecrets);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !SECRET_KEY.test(k)).map(([k, x]) => [k, redactSecrets(x)]));
}

/** The admins' saved changes of a data dir ({} when none). */
export function readConfigChanges(dataDir: string): unknown {
  const file = join(dataDir, CHANGES_FILE);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new ConfigInvalidError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** Top-level paths (`http`, `bindings.serial`) that differ between two configs. */
function changedPaths(a: Json, b: Json): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === 'bindings') {
      const ab = (a[k] ?? {}) as Json;
      const bb = (b[k] ?? {}) as Json;
      for (const n of new Set([...Object.keys(ab), ...Object.keys(bb)])) if (JSON.stringify(ab[n]) !== JSON.stringify(bb[n])) out.push(`bindings.${n}`);
    } else if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(k);
  }
  return out;
}

export interface BindingControls {
  /** Checks a binding section against its module's schema (throws ConfigInvalidError). */
  check(name: string, section: { enabled: boolean } & Json): Promise<void>;
  configure(name: string, section: { enabled: boolean } & Json, why: string): Promise<BindingStatus>;
}

export interface PatchResult {
  /** The saved configuration, secrets left out. */
  config: unknown;
  /** Paths that took effect now. */
  applied: string[];
  /** Paths saved that take effect at the next start. */
  restartRequired: string[];
  /** Status of every binding the patch touched. */
  bindings: Record<string, BindingStatus>;
}

export interface ConfigServiceOptions {
  /** The config before admins' changes (file or defaults), raw. */
  base: unknown;
  dataDir: string;
  /** The running config: binding sections and log.level are updated in place when applied. */
  live: RoostConfig;
  bindings: BindingControls;
  logger: Logger;
  /** Called after a binding section changed (detection lets go of a binding the config now names). */
  onBindingConfigured?: (name: string) => void;
}

export class ConfigService {
  private changes: unknown;
  private saved: RoostConfig;
  private readonly pending = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly appliedListeners: Array<(applied: string[]) => void | Promise<void>> = [];

  constructor(private readonly o: ConfigServiceOptions) {
    this.changes = readConfigChanges(o.dataDir);
    this.saved = structuredClone(o.live);
  }

  /** The saved config, secrets left out, and what waits for a restart. */
  get(): { config: unknown; restartRequired: string[] } {
    return { config: redactSecrets(this.saved), restartRequired: [...this.pending] };
  }

  /** Called after each patch with the paths that took effect (DNS-SD follows listeners and its section). */
  onApplied(listener: (applied: string[]) => void | Promise<void>): void {
    this.appliedListeners.push(listener);
  }

  /** Applies an RFC 7396 merge patch; one at a time. Throws ConfigInvalidError / BadRequestError. */
  patch(patch: unknown): Promise<PatchResult> {
    const run = this.queue.then(() => this.apply(patch));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(patch: unknown): Promise<PatchResult> {
    if (!isObject(patch)) throw new BadRequestError('a config merge patch is a JSON object');
    const changes = composePatch(this.changes, patch);
    const next = resolveConfig(mergePatch(this.o.base, changes), 'PATCH /config');
    // Same dataDir as the running gateway: the changes file lives in it.
    next.dataDir = this.o.live.dataDir;
    const paths = changedPaths(this.saved as unknown as Json, next as unknown as Json);
    for (const p of paths) {
      if (!p.startsWith('bindings.')) continue;
      const name = p.slice('bindings.'.length);
      const section = next.bindings[name] ?? { enabled: false };
      if (name !== 'system' && section.enabled !== false) await this.o.bindings.check(name, section);
    }
    writeFileDurable(join(this.o.dataDir, CHANGES_FILE), `${JSON.stringify(changes, null, 2)}\n`, 0o600);
    this.changes = changes;
    this.saved = next;
    const applied: string[] = [];
    const bindings: Record<string, BindingStatus> = {};
    for (const p of paths) {
      const name = p.startsWith('bindings.') ? p.slice('bindings.'.length) : null;
      if (name && name !== 'system') {
        const section = next.bindings[name] ?? { enabled: false };
        bindings[name] = await this.o.bindings.configure(name, section, 'disabled by PATCH /config');
        if (next.bindings[name]) this.o.live.bindings[name] = section;
        else delete this.o.live.bindings[name];
        this.o.onBindingConfigured?.(name);
        applied.push(p);
        this.pending.delete(p);
      } else if (p === 'log') {
        this.o.live.log.level = next.log.level;
        this.o.logger.level = next.log.level;
        applied.push(p);
      } else if (p === 'discovery') {
        this.o.live.discovery = next.discovery;
        applied.push(p);
        this.pending.delete(p);
      } else {
        this.pending.add(p);
      }
    }
    for (const l of this.appliedListeners) await l(applied);
    this.o.logger.info({ applied, restartRequired: [...this.pending] }, 'configuration changed');
    return { config: redactSecrets(this.saved), applied, restartRequired: [...this.pending], bindings };
  }
}
