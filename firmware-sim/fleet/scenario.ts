/**
 * Loads a fleet scenario (YAML or JSON): schema check with defaults (scenario-schema.ts), then
 * the checks a schema cannot make: device kinds exist, action and write targets and names exist,
 * replay files and columns exist. Every error is a ConfigInvalidError naming the file and the key.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigInvalidError } from '../../protocols/errors.js';
import { readCsvColumn } from './csv-series.js';
import { GENERATOR_KINDS, scenarioSchema } from './scenario-schema.js';

export type GeneratorSpec =
  | { generator: 'random-walk'; start: number; stepMax: number; min: number; max: number; decimals: number }
  | { generator: 'sine'; mean: number; amplitude: number; periodS: number; phaseS: number; noise: number; decimals: number }
  | { generator: 'replay'; file: string; column: string; loop: boolean; offsetPerDevice: boolean; values: number[] }
  | { generator: 'constant'; value: number };

export interface DeviceGroup {
  kind: string;
  count: number;
  idPrefix: string;
  wakeIntervalS: number;
  wakeJitterS: number;
  readings: Record<string, GeneratorSpec>;
  options: Record<string, unknown>;
  /** Overrides of the kind's and the scenario's energy figures for this group. */
  energy?: Partial<EnergySpec>;
}

export interface ScenarioAction {
  atS: number;
  device: string;
  action: string;
  input?: unknown;
  repeatEveryS?: number;
  repeatCount: number;
}

/** A property write the fleet sends through the hub API, like an action but coalescing (last writer wins). */
export interface ScenarioWrite {
  atS: number;
  device: string;
  property: string;
  value: unknown;
  repeatEveryS?: number;
  repeatCount: number;
}

export interface FaultSpec {
  loss: number;
  duplication: number;
  reorder: number;
  rebootPerWake: number;
  clockDriftPpm: number;
  batteryDepletion: { fraction: number; remainingMah: number };
}

/** EDHOC enrolment of the fleet's CoAP devices (`security: edhoc`). */
export interface EdhocSpec {
  /** Cipher suites, taken in turn by the CoAP devices. */
  suites: number[];
  method: number;
  /** message_3 in the first OSCORE request (RFC 9668). */
  combined: boolean;
  /** Gateway key fingerprints the devices pin; empty: trust on first use. */
  gatewayFingerprints: string[];
}

export interface EnergySpec {
  batteryMah: number;
  sleepCurrentUa: number;
  txCurrentMa: number;
  rxCurrentMa: number;
  bitrateKbps: number;
  frameOverheadBytes: number;
  wakeOverheadMs: number;
  rxWindowMs: number;
  /** Share of the time a BLE link is up that the radio is on (connection events). */
  connectedDutyCycle: number;
}

export interface Scenario {
  name: string;
  seed: string | number;
  durationS: number;
  speed: number;
  tickMs: number;
  settleS: number;
  /** CoAP devices speak OSCORE with keys from the seed (`oscore`, the default), enrol by EDHOC and then speak OSCORE (`edhoc`), or speak plain CoAP (`none`). */
  security: 'oscore' | 'edhoc' | 'none';
  edhoc: EdhocSpec;
  devices: DeviceGroup[];
  actions: ScenarioAction[];
  writes: ScenarioWrite[];
  faults: FaultSpec;
  energy: EnergySpec;
}

/** What the loader needs to know of each device kind. */
export interface KindInfo {
  /** Reading names the kind can send; undefined: any name. */
  readonly readings?: readonly string[];
  /** Action names its TD offers. */
  readonly actions: readonly string[];
  /** Writable property names its TD offers (none when absent). */
  readonly writes?: readonly string[];
}

export interface ParseOptions {
  /** Name used in error messages (the file path). */
  source?: string;
  /** Directory that replay file paths are relative to. */
  baseDir?: string;
  kinds: Readonly<Record<string, KindInfo>>;
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false, discriminator: true });
const validate = ajv.compile(scenarioSchema);

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath || '/';
      const p = e.params as Record<string, unknown>;
      if (e.keyword === 'discriminator') {
        return `${where}/${String(p['tag'])}: '${String(p['tagValue'])}' is not one of: ${GENERATOR_KINDS.join(', ')}`;
      }
      const extra = e.keyword === 'additionalProperties' ? ` (${String(p['additionalProperty'])})` : '';
      return `${where}: ${e.message ?? 'invalid'}${extra}`;
    })
    .join('; ');
}

/** Device ids of a group, in order: `<idPrefix>-<n>`. */
export function groupDeviceIds(g: DeviceGroup): string[] {
  return Array.from({ length: g.count }, (_, i) => `${g.idPrefix}-${i}`);
}

function checkSemantics(s: Scenario, opts: ParseOptions, fail: (msg: string) => never): void {
  const deviceKinds = new Map<string, string>();
  s.devices.forEach((g, gi) => {
    const info = opts.kinds[g.kind];
    if (!info) fail(`/devices/${gi}/kind: unknown device kind '${g.kind}' (known: ${Object.keys(opts.kinds).join(', ')})`);
    for (const name of Object.keys(g.readings)) {
      if (info.readings && !info.readings.includes(name)) {
        fail(`/devices/${gi}/readings/${name}: a ${g.kind} has no reading '${name}' (it has: ${info.readings.join(', ')})`);
      }
    }
    for (const id of groupDeviceIds(g)) {
      if (deviceKinds.has(id)) fail(`/devices/${gi}: device id '${id}' is used twice (set idPrefix)`);
      deviceKinds.set(id, g.kind);
    }
  });
  s.actions.forEach((a, ai) => {
    const kind = deviceKinds.get(a.device);
    if (!kind) fail(`/actions/${ai}/device: no device '${a.device}' in this scenario`);
    const actions = opts.kinds[kind]?.actions ?? [];
    if (!actions.includes(a.action)) fail(`/actions/${ai}/action: a ${kind} has no action '${a.action}' (it has: ${actions.join(', ') || 'none'})`);
    if (a.repeatCount > 1 && a.repeatEveryS === undefined) fail(`/actions/${ai}: repeatCount needs repeatEveryS`);
  });
  s.writes.forEach((w, wi) => {
    const kind = deviceKinds.get(w.device);
    if (!kind) fail(`/writes/${wi}/device: no device '${w.device}' in this scenario`);
    const writable = opts.kinds[kind]?.writes ?? [];
    if (!writable.includes(w.property)) fail(`/writes/${wi}/property: a ${kind} has no writable property '${w.property}' (it has: ${writable.join(', ') || 'none'})`);
    if (w.repeatCount > 1 && w.repeatEveryS === undefined) fail(`/writes/${wi}: repeatCount needs repeatEveryS`);
  });
}

/** Parses and checks a scenario. Throws ConfigInvalidError. */
export function parseScenario(text: string, opts: ParseOptions): Scenario {
  const source = opts.source ?? 'scenario';
  const fail = (msg: string): never => {
    throw new ConfigInvalidError(`${source}: ${msg}`);
  };
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}: ` : '';
    fail(`not valid YAML: ${where}${(err as Error).message.split('\n')[0]}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('/: must be an object with devices and durationS');
  for (const g of (raw as { devices?: unknown }).devices instanceof Array ? (raw as { devices: unknown[] }).devices : []) {
    if (g && typeof g === 'object' && !('idPrefix' in g) && typeof (g as { kind?: unknown }).kind === 'string') {
      (g as Record<string, unknown>)['idPrefix'] = (g as { kind: string }).kind;
    }
  }
  if (!validate(raw)) fail(describe(validate.errors));
  const s = raw as unknown as Scenario;
  checkSemantics(s, opts, fail);
  const baseDir = opts.baseDir ?? process.cwd();
  s.devices.forEach((g, gi) => {
    for (const [name, spec] of Object.entries(g.readings)) {
      if (spec.generator !== 'replay') continue;
      try {
        spec.values = readCsvColumn(resolve(baseDir, spec.file), spec.column);
      } catch (err) {
        fail(`/devices/${gi}/readings/${name}: ${(err as Error).message}`);
      }
    }
  });
  return s;
}

/** Reads and checks a scenario file; replay paths are relative to the file. */
export function loadScenario(path: string, kinds: Readonly<Record<string, KindInfo>>): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigInvalidError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseScenario(text, { source: path, baseDir: dirname(resolve(path)), kinds });
}

/** One action invocation or property write the fleet sends: `input` is the action's input or the value written. */
export interface Invocation {
  atMs: number;
  device: string;
  type: 'action' | 'write';
  /** Action or property name. */
  name: string;
  input: unknown;
  /** `a<action index>.<repeat>` or `w<write index>.<repeat>`. */
  key: string;
}

/** Every action and write the scenario sends, expanded from repeats and sorted by time (actions first at the same time). */
export function expandInvocations(s: Scenario): Invocation[] {
  const out: Invocation[] = [];
  const expand = (list: ReadonlyArray<{ atS: number; device: string; repeatEveryS?: number; repeatCount: number }>, type: Invocation['type']): void => {
    list.forEach((a, i) => {
      const { name, input } = type === 'action' ? { name: (a as ScenarioAction).action, input: (a as ScenarioAction).input } : { name: (a as ScenarioWrite).property, input: (a as ScenarioWrite).value };
      for (let n = 0; n < a.repeatCount; n++) {
        const atMs = Math.round((a.atS + n * (a.repeatEveryS ?? 0)) * 1000);
        if (atMs <= s.durationS * 1000) out.push({ atMs, device: a.device, type, name, input, key: `${type === 'action' ? 'a' : 'w'}${i}.${n}` });
      }
    });
  };
  expand(s.actions, 'action');
  expand(s.writes, 'write');
  return out.sort((x, y) => x.atMs - y.atMs || (x.key < y.key ? -1 : 1));
}
