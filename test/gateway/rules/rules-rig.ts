/**
 * Rules without sockets: an in-memory database, a hub with the gateway's system thing and the
 * test's devices, the rules (store, engine, service) on it, and the HTTP API built apart from
 * listen() with /rules served; tokens for an admin, an operator and a viewer. MQTT notifications
 * land in `published` (the publish function the broker would hand over).
 */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../gateway/api/server.js';
import { Users } from '../../../gateway/auth/users.js';
import type { Binding } from '../../../gateway/binding.js';
import { resolveConfig, type RoostConfig } from '../../../gateway/config/config.js';
import { Hub } from '../../../gateway/hub/hub.js';
import { createLogger } from '../../../gateway/logger.js';
import { createRules, type Rules } from '../../../gateway/rules/index.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { SystemBinding } from '../../../gateway/system/system-binding.js';
import { TEST_ADMIN_PASSWORD, tempDir, testConfig } from '../../helpers/gateway.js';

export type Role = 'admin' | 'operator' | 'viewer' | 'agent';

export interface RulesRig {
  app: FastifyInstance;
  hub: Hub;
  rules: Rules;
  config: RoostConfig;
  published: Array<{ topic: string; payload: unknown }>;
  /** The wake interval the rules see per thing (the availability tracker's, in a gateway). */
  intervals: Map<string, number>;
  request(opts: InjectOptions, role?: Role): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function rulesRig(bindings: Binding[], partial: Record<string, unknown> = {}, now?: () => number): Promise<RulesRig> {
  const config = resolveConfig(testConfig(partial));
  const logger = createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() }));
  const dataDir = tempDir();
  const db = openDatabase({ dataDir, synchronous: 'normal', file: ':memory:' });
  const hub = new Hub({ db, config, logger, endpoints: { httpBase: 'http://gateway.test' }, ...(now ? { now } : {}) });
  const system = new SystemBinding({ restartBinding: () => Promise.reject(new Error('none')), statuses: () => ({}) }, { intervalMs: 3_600_000, thermalDir: '/nonexistent' });
  for (const b of [system, ...bindings]) {
    await b.start(hub.contextFor(b, dataDir));
    hub.attachBinding(b);
  }
  const intervals = new Map<string, number>();
  const rules = createRules({ hub, db, options: config.rules, logger, now: hub.now, intervalOf: (id) => intervals.get(id) ?? 0 });
  const published: RulesRig['published'] = [];
  rules.engine.setMqttPublisher((topic, payload) => {
    published.push({ topic, payload: JSON.parse(payload.toString()) });
    return Promise.resolve();
  });
  rules.start();
  const users = new Users(db, 3600);
  await users.ensureAdmin('admin', TEST_ADMIN_PASSWORD, logger, () => undefined);
  for (const role of ['operator', 'viewer', 'agent'] as const) await users.create(role, `${role}-password-1`, role);
  const app = buildApp({ hub, config, logger, users, rules: rules.service, metricSources: [() => rules.metrics()] });
  await app.ready();
  const tokens = new Map<Role, string>();
  for (const role of ['admin', 'operator', 'viewer', 'agent'] as const) {
    const password = role === 'admin' ? TEST_ADMIN_PASSWORD : `${role}-password-1`;
    const res = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: role, password } });
    tokens.set(role, (res.json() as { token: string }).token);
  }
  return {
    app, hub, rules, config, published, intervals,
    request: (opts, role = 'admin') => app.inject({ ...opts, headers: { authorization: `Bearer ${tokens.get(role)}`, ...(opts.headers ?? {}) } }),
    async close() {
      await rules.stop();
      await app.close();
      for (const b of [...bindings, system]) await b.stop();
      hub.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
