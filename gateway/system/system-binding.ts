/**
 * The built-in `system` binding: the appliance itself as a thing, so a box with no radios still
 * shows something real. Properties are sampled every intervalMs; `restartBinding` restarts a
 * binding through the gateway; `bindingStateChanged` fires when a binding's state changes.
 */
import { readFile, readdir, statfs } from 'node:fs/promises';
import { freemem, hostname, loadavg, totalmem, uptime } from 'node:os';
import type { Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem, ThingDescription } from '../binding.js';

export interface SystemControls {
  restartBinding(name: string): Promise<BindingStatus>;
  statuses(): Record<string, BindingStatus>;
}

export interface SystemOptions {
  intervalMs: number;
  /** Where thermal zones are read from (overridable for tests). */
  thermalDir: string;
}

export const SYSTEM_DEVICE_ID = 'gateway';

export function systemTd(withTemperature: boolean): ThingDescription {
  const properties: Record<string, unknown> = {
    uptimeS: { title: 'Uptime', type: 'number', unit: 's', readOnly: true, observable: true, forms: [{ href: 'roost-system:uptime' }] },
    loadAverage: { title: 'Load average (1, 5, 15 min)', type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3, readOnly: true, observable: true, forms: [{ href: 'roost-system:loadavg' }] },
    memory: {
      title: 'Memory', type: 'object', readOnly: true, observable: true,
      properties: { totalBytes: { type: 'integer' }, freeBytes: { type: 'integer' }, gatewayRssBytes: { type: 'integer' } },
      forms: [{ href: 'roost-system:memory' }],
    },
    diskFreeBytes: { title: 'Free space on the data partition', type: 'integer', unit: 'byte', readOnly: true, observable: true, forms: [{ href: 'roost-system:disk' }] },
    bindings: {
      title: 'Binding states', type: 'object', readOnly: true, observable: true,
      description: 'State of every configured binding (starting, running, absent, error, stopped).',
      forms: [{ href: 'roost-system:bindings' }],
    },
  };
  if (withTemperature) {
    properties['cpuTemperatureC'] = { title: 'CPU temperature', type: 'number', unit: 'cel', readOnly: true, observable: true, forms: [{ href: 'roost-system:thermal' }] };
  }
  return {
    '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1'],
    title: `Roost gateway ${hostname()}`,
    description: 'The appliance itself: health figures and binding control.',
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
    properties,
    actions: {
      restartBinding: {
        title: 'Restart a binding',
        input: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] },
        output: { type: 'object', properties: { name: { type: 'string' }, state: { type: 'string' } } },
        forms: [{ href: 'roost-system:restart' }],
      },
    },
    events: {
      bindingStateChanged: {
        title: 'A binding changed state',
        data: { type: 'object', properties: { name: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } },
        forms: [{ href: 'roost-system:binding-state' }],
      },
      diskLow: {
        title: 'The data partition runs low',
        description: 'History was pruned oldest-first to keep room for the queue and registrations (docs/durability.md "A full disk").',
        data: {
          type: 'object',
          properties: { freeBytes: { type: 'integer' }, lowFreeBytes: { type: 'integer' }, prunedRows: { type: 'integer' }, historyLeft: { type: 'boolean' } },
        },
        forms: [{ href: 'roost-system:disk-low' }],
      },
      ruleFired: {
        title: 'A rule fired',
        description: 'The `event` action of a rule (docs/rules.md): which rule, what fired it and why.',
        data: {
          type: 'object',
          properties: {
            ruleId: { type: 'string' }, rule: { type: 'string' }, trigger: { type: 'string' }, kind: { type: 'string' },
            thingId: { type: 'string' }, name: { type: 'string' }, value: {}, reason: { type: 'string' }, firedAt: { type: 'integer' },
          },
        },
        forms: [{ href: 'roost-system:rule-fired' }],
      },
    },
  };
}

/** First readable thermal zone temperature in °C, or undefined. */
async function readCpuTemperature(dir: string): Promise<number | undefined> {
  let zones: string[];
  try {
    zones = (await readdir(dir)).filter((z) => z.startsWith('thermal_zone')).sort();
  } catch {
    return undefined;
  }
  for (const z of zones) {
    try {
      const milli = Number((await readFile(`${dir}/${z}/temp`, 'utf8')).trim());
      if (Number.isFinite(milli)) return milli / 1000;
    } catch {
      // unreadable zone: try the next
    }
  }
  return undefined;
}

export class SystemBinding implements Binding {
  readonly name = 'system';
  private ctx: BindingContext | null = null;
  private thingId = '';
  private timer: NodeJS.Timeout | null = null;
  private withTemperature = false;
  private lastStates = new Map<string, string>();
  private samples = 0;
  private restarts = 0;

  constructor(
    private readonly controls: SystemControls,
    private readonly options: SystemOptions,
  ) {}

  async start(ctx: BindingContext): Promise<void> {
    this.ctx = ctx;
    this.withTemperature = (await readCpuTemperature(this.options.thermalDir)) !== undefined;
    this.thingId = ctx.registerThing({ deviceId: SYSTEM_DEVICE_ID, nativeTd: systemTd(this.withTemperature), sleepy: false });
    await this.sample();
    this.timer = setInterval(() => void this.sample().catch((err: unknown) => ctx.logger.warn({ err }, 'system sample failed')), this.options.intervalMs);
    this.timer.unref();
  }

  /** Reads every figure once and reports it. */
  async sample(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) return;
    const values: Record<string, unknown> = {
      uptimeS: Math.round(uptime()),
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      memory: { totalBytes: totalmem(), freeBytes: freemem(), gatewayRssBytes: process.memoryUsage.rss() },
    };
    try {
      const fs = await statfs(ctx.dataDir);
      values['diskFreeBytes'] = fs.bavail * fs.bsize;
    } catch (err) {
      ctx.logger.debug({ err }, 'statfs of the data dir failed');
    }
    if (this.withTemperature) {
      const t = await readCpuTemperature(this.options.thermalDir);
      if (t !== undefined) values['cpuTemperatureC'] = t;
    }
    const statuses = this.controls.statuses();
    const states: Record<string, string> = Object.fromEntries(Object.entries(statuses).map(([n, s]) => [n, s.state]));
    states[this.name] = 'running';
    values['bindings'] = states;
    for (const [name, state] of Object.entries(states)) {
      const from = this.lastStates.get(name);
      if (from !== undefined && from !== state) ctx.emitEvent(this.thingId, 'bindingStateChanged', { name, from, to: state });
      this.lastStates.set(name, state);
    }
    ctx.reportProperties(this.thingId, values);
    this.samples++;
  }

  /** The disk watcher's news (gateway/disk): a diskLow event on the system thing. */
  reportDiskLow(e: { freeBytes: number; lowFreeBytes: number; prunedRows: number; historyLeft: boolean }): void {
    if (this.ctx) this.ctx.emitEvent(this.thingId, 'diskLow', { ...e });
  }

  async deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    if (item.kind !== 'action' || item.name !== 'restartBinding') {
      return { state: 'failed', error: `the system thing has no ${item.kind} ${item.name}` };
    }
    const name = (item.input as { name: string }).name;
    if (name === this.name) return { state: 'failed', error: 'the system binding cannot restart itself' };
    if (!(name in this.controls.statuses())) return { state: 'failed', error: `no binding ${name}`, code: 'ROOST_ERR_BINDING_UNAVAILABLE' };
    const status = await this.controls.restartBinding(name);
    this.restarts++;
    await this.sample();
    return { state: 'completed', output: { name, state: status.state } };
  }

  status(): BindingStatus {
    return { state: this.ctx ? 'running' : 'stopped', counters: { samples: this.samples, restarts: this.restarts } };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.ctx = null;
  }
}
