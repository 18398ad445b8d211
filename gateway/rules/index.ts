/**
 * Rules and notifications (issue 19 item 3; docs/rules.md), built by the composition root
 * (gateway.ts): the store, the engine that runs the enabled rules on the hub's bus, and the
 * service the HTTP routes (api/routes/rules.ts) manage them through.
 */
import type { Logger } from 'pino';
import type { RulesConfig } from '../config/config.js';
import type { MetricSample } from '../metrics/metric-sample.js';
import type { Db } from '../store/database.js';
import { thingIdFor } from '../hub/directory.js';
import { SYSTEM_DEVICE_ID } from '../system/system-binding.js';
import { RuleEngine, type RuleEngineDeps } from './rule-engine.js';
import { RuleService } from './rule-service.js';
import { RuleStore } from './rule-store.js';

export type { RuleView, RuleInput } from './rule-types.js';

/** The system binding's thing, where the `event` action emits `ruleFired`. */
export const SYSTEM_THING_ID = thingIdFor('system', SYSTEM_DEVICE_ID);

export interface Rules {
  service: RuleService;
  engine: RuleEngine;
  start(): void;
  stop(): Promise<void>;
  metrics(): MetricSample[];
}

export function createRules(d: { hub: RuleEngineDeps['hub']; db: Db; options: RulesConfig; logger: Logger; now: () => number; intervalOf(thingId: string): number }): Rules {
  const store = new RuleStore(d.db);
  const engine = new RuleEngine({ hub: d.hub, store, options: d.options, now: d.now, logger: d.logger, intervalOf: (id) => d.intervalOf(id), systemThingId: SYSTEM_THING_ID });
  const service = new RuleService({ store, engine, maxRules: d.options.maxRules, now: d.now });
  return {
    service,
    engine,
    start: () => {
      if (d.options.enabled) engine.start();
    },
    stop: () => engine.stop(),
    metrics: () => {
      const all = store.list();
      return engine.metrics(all.length, all.filter((r) => r.status.failing).length);
    },
  };
}
