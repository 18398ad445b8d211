import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../gateway/api/server.js';
import { Users } from '../../../gateway/auth/users.js';
import { resolveConfig } from '../../../gateway/config/config.js';
import { createFirmware } from '../../../gateway/firmware/index.js';
import { Hub } from '../../../gateway/hub/hub.js';
import { createLogger } from '../../../gateway/logger.js';
import { openDatabase, type Db } from '../../../gateway/store/database.js';
import { TEST_ADMIN_PASSWORD, tempDir, testConfig } from '../../helpers/gateway.js';

describe('POST /firmware', () => {
  let app: FastifyInstance;
  let hub: Hub;
  let db: Db;
  let auth: Record<string, string>;
  const logs: Array<Record<string, unknown>> = [];

  before(async () => {
    const config = resolveConfig(testConfig({}));
    const logger = createLogger('debug', new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    }));
    const dataDir = tempDir();
    db = openDatabase({ dataDir, synchronous: 'normal', file: ':memory:' });
    hub = new Hub({ db, config, logger, endpoints: { httpBase: 'http://gateway.test' } });
    const users = new Users(db, 3600);
    await users.ensureAdmin('admin', TEST_ADMIN_PASSWORD, logger, () => undefined);
    const firmware = createFirmware({ hub, db, config, dataDir, logger, now: Date.now });
    app = buildApp({ hub, config, logger, users, firmware });
    await app.ready();
    const login = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'admin', password: TEST_ADMIN_PASSWORD } });
    auth = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
  });
  after(async () => {
    await app.close();
    hub.close();
    db.close();
  });

  it('stores an octet-stream image', async () => {
    const r = await app.inject({ method: 'POST', url: '/firmware?name=fw&version=1', headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: Buffer.from('ROOSTFW1') });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal((r.json() as { size: number }).size, 8);
  });

  it('answers a body of another media type with a typed 415 and no body at all with 400, not 500', async () => {
    // Found by fuzzing: a JSON body reached the image writer as an object (TypeError, 500).
    for (const [type, payload] of [['application/json', '{"a":1}'], ['text/plain', 'hello']] as const) {
      const r = await app.inject({ method: 'POST', url: '/firmware?name=fw&version=2', headers: { ...auth, 'content-type': type }, payload });
      assert.equal(r.statusCode, 415, `${type}: ${r.body}`);
      assert.equal((r.json() as { code: string }).code, 'ROOST_ERR_UNSUPPORTED_MEDIA_TYPE');
    }
    const empty = await app.inject({ method: 'POST', url: '/firmware?name=fw&version=3', headers: auth });
    assert.equal(empty.statusCode, 400, empty.body);
    assert.equal(logs.filter((l) => l['level'] === 50).length, 0, 'no request failed');
    const list = await app.inject({ method: 'GET', url: '/firmware', headers: auth });
    assert.equal((list.json() as unknown[]).length, 1);
  });
});
