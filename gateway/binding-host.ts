/**
 * Starts, stops and restarts the configured bindings. A binding that fails to start is reported
 * in its status (`error`), and the gateway keeps running; a bad binding config stops the start
 * with a clear ConfigInvalidError.
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { Logger } from 'pino';
import type { Binding, BindingModule, BindingStatus } from './binding.js';
import { BINDING_MODULES, type BindingLoader } from './binding-registry.js';
import { describeErrors, type RoostConfig } from './config/config.js';
import { ConfigInvalidError } from '../protocols/errors.js';
import type { Hub } from './hub/hub.js';
import { SystemBinding } from './system/system-binding.js';

/** Options of a module binding that is not built in (a test's module table): compiled when first needed. */
let runtimeAjv: Ajv | null = null;

/**
 * The validator of one binding's options: the built-in bindings' validator made at build time
 * (binding-options-validate.ts) for the registry's modules, else ajv at run time. Both fill in
 * defaults; errors are reported under /bindings/<name>.
 */
async function optionsValidator(name: string, mod: BindingModule<Record<string, unknown>>, builtIn: boolean): Promise<(options: Record<string, unknown>) => { ok: boolean; errors: ErrorObject[] | null | undefined; prefix: string }> {
  if (builtIn) {
    const { default: validate, OPTIONS_BINDINGS } = await import('./binding-options-validate.js');
    if (OPTIONS_BINDINGS.split(',').includes(name)) {
      return (options) => ({ ok: validate({ [name]: options }), errors: validate.errors, prefix: '/bindings' });
    }
  }
  runtimeAjv ??= new Ajv({ useDefaults: true, allErrors: true, strict: false });
  const validate = runtimeAjv.compile(mod.optionsSchema);
  return (options) => ({ ok: validate(options), errors: validate.errors, prefix: `/bindings/${name}` });
}

interface Slot {
  name: string;
  /** Makes a fresh instance (restart builds a new one). */
  make: () => Binding;
  instance: Binding | null;
}

export interface BindingHostOptions {
  hub: Hub;
  config: RoostConfig;
  logger: Logger;
  dataDir: string;
  /** Binding instances built by the caller (tests, embedding). */
  extraBindings?: Binding[];
  /** Overrides the module table (tests). */
  modules?: Readonly<Record<string, BindingLoader>>;
}

export class BindingHost {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly opts: BindingHostOptions) {}

  /** Loads every enabled binding module and checks its options; throws ConfigInvalidError. */
  async load(): Promise<void> {
    const { config } = this.opts;
    for (const [name, section] of Object.entries(config.bindings)) {
      if (name === 'system' || section.enabled === false) continue;
      this.slots.set(name, await this.slotFor(name, section));
    }
    // An extra binding was built by the caller: a restart stops and starts the same instance.
    for (const b of this.opts.extraBindings ?? []) this.slots.set(b.name, { name: b.name, make: () => b, instance: null });
    // The system binding starts last, so its first sample sees every other binding's state.
    const sys = config.bindings['system'] ?? { enabled: true };
    if (sys.enabled !== false) {
      const intervalMs = typeof sys['intervalMs'] === 'number' ? sys['intervalMs'] : 10000;
      const thermalDir = typeof sys['thermalDir'] === 'string' ? sys['thermalDir'] : '/sys/class/thermal';
      const controls = { restartBinding: (n: string) => this.restart(n), statuses: () => this.statuses() };
      this.slots.set('system', { name: 'system', make: () => new SystemBinding(controls, { intervalMs, thermalDir }), instance: null });
    }
  }

  /** A slot for a binding module with checked options; throws ConfigInvalidError. */
  private async slotFor(name: string, section: { enabled: boolean } & Record<string, unknown>): Promise<Slot> {
    const modules = this.opts.modules ?? BINDING_MODULES;
    const loader = modules[name];
    if (!loader) {
      throw new ConfigInvalidError(`config: /bindings/${name}: unknown binding (known: system, ${Object.keys(modules).join(', ') || 'none'})`);
    }
    const mod = (await loader()) as BindingModule<Record<string, unknown>>;
    const { enabled: _enabled, ...options } = structuredClone(section);
    const check = (await optionsValidator(name, mod, !this.opts.modules))(options);
    if (!check.ok) throw new ConfigInvalidError(`config: ${describeErrors(check.errors, check.prefix)}`);
    return { name, make: () => mod.create(options), instance: null };
  }

  /** Checks a binding section against its module's options schema; throws ConfigInvalidError. */
  async check(name: string, section: { enabled: boolean } & Record<string, unknown>): Promise<void> {
    if (section.enabled !== false) await this.slotFor(name, section);
  }

  /**
   * Turns one module binding on with new options (stopping the old instance first), or off
   * (`enabled: false`), while the gateway runs: PATCH /config and hardware detection. Options are
   * checked before anything stops; throws ConfigInvalidError. Answers the binding's status.
   */
  async configure(name: string, section: { enabled: boolean } & Record<string, unknown>, why = 'disabled'): Promise<BindingStatus> {
    if (name === 'system') throw new ConfigInvalidError('config: /bindings/system: the system binding is configured at start only');
    const next = section.enabled === false ? null : await this.slotFor(name, section);
    const old = this.slots.get(name);
    // Disabled: the reason is in the status from the moment the binding is detached, never a bare "stopped".
    if (old) await this.stopSlot(old, next ? undefined : why);
    if (!next) {
      this.slots.delete(name);
      this.opts.hub.detachBinding(name, { state: 'stopped', detail: why, counters: {} });
      return this.statuses()[name] ?? { state: 'stopped', detail: why, counters: {} };
    }
    this.slots.set(name, next);
    await this.startSlot(next);
    return this.statuses()[name] ?? { state: 'error', counters: {} };
  }

  async startAll(): Promise<void> {
    for (const slot of this.slots.values()) await this.startSlot(slot);
  }

  private async startSlot(slot: Slot): Promise<void> {
    const { hub, logger, dataDir } = this.opts;
    let b: Binding;
    try {
      b = slot.make();
    } catch (err) {
      logger.error({ err, binding: slot.name }, 'binding could not be created');
      hub.detachBinding(slot.name, { state: 'error', detail: (err as Error).message, counters: {} });
      return;
    }
    slot.instance = b;
    try {
      hub.detachBinding(slot.name, { state: 'starting', counters: {} });
      await b.start(hub.contextFor(b, dataDir));
      hub.attachBinding(b);
      const s = b.status();
      logger.info({ binding: slot.name, state: s.state, detail: s.detail }, 'binding started');
    } catch (err) {
      logger.error({ err, binding: slot.name }, 'binding failed to start; the gateway keeps running');
      hub.detachBinding(slot.name, { state: 'error', detail: (err as Error).message, counters: {} });
      await b.stop().catch(() => undefined);
    }
  }

  /** Stops a slot's binding; `why` is the status detail it stays stopped with. */
  private async stopSlot(slot: Slot, why?: string): Promise<void> {
    const b = slot.instance;
    if (!b) return;
    slot.instance = null;
    this.opts.hub.detachBinding(slot.name, why ? { state: 'stopped', detail: why, counters: {} } : { state: 'stopped', counters: {} });
    try {
      await b.stop();
    } catch (err) {
      this.opts.logger.warn({ err, binding: slot.name }, 'binding stop failed');
    }
  }

  /** Stops and starts one binding; answers its status after the start. */
  async restart(name: string): Promise<BindingStatus> {
    const slot = this.slots.get(name);
    if (!slot) throw new ConfigInvalidError(`no binding ${name}`);
    await this.stopSlot(slot);
    await this.startSlot(slot);
    return this.statuses()[name] ?? { state: 'error', counters: {} };
  }

  statuses(): Record<string, BindingStatus> {
    return this.opts.hub.bindingStatuses();
  }

  get(name: string): Binding | undefined {
    return this.slots.get(name)?.instance ?? undefined;
  }

  names(): string[] {
    return [...this.slots.keys()];
  }

  async stopAll(): Promise<void> {
    for (const slot of [...this.slots.values()].reverse()) await this.stopSlot(slot);
  }
}
