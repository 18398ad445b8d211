/**
 * The HTTP API without sockets: an in-memory database, a hub with the test's bindings started
 * on it, the fastify app built apart from listen(), and an admin token; requests go through
 * app.inject(). Logs land in `logs` (parsed JSON lines).
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
import { openDatabase, type Db } from '../../../gateway/store/database.js';
import { TEST_ADMIN_PASSWORD, tempDir, testConfig } from '../../helpers/gateway.js';

export interface InjectRig {
  app: FastifyInstance;
  hub: Hub;
  db: Db;
  config: RoostConfig;
  logs: Array<Record<string, unknown>>;
  /** Headers with the admin's bearer token. */
  auth: Record<string, string>;
  request(opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function injectRig(bindings: Binding[], partial: Record<string, unknown> = {}): Promise<InjectRig> {
  const config = resolveConfig(testConfig(partial));
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger('debug', sink);
  const dataDir = tempDir();
  const db = openDatabase({ dataDir, synchronous: 'normal', file: ':memory:' });
  const hub = new Hub({ db, config, logger, endpoints: { httpBase: 'http://gateway.test' } });
  for (const b of bindings) {
    await b.start(hub.contextFor(b, dataDir));
    hub.attachBinding(b);
  }
  const users = new Users(db, 3600);
  await users.ensureAdmin('admin', TEST_ADMIN_PASSWORD, logger, () => undefined);
  const app = buildApp({ hub, config, logger, users });
  await app.ready();
  const login = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'admin', password: TEST_ADMIN_PASSWORD } });
  const auth = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
  return {
    app, hub, db, config, logs, auth,
    request: (opts) => app.inject({ ...opts, headers: { ...auth, ...(opts.headers ?? {}) } }),
    async close() {
      await app.close();
      for (const b of bindings) await b.stop();
      hub.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
