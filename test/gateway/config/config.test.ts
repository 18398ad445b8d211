import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile, resolveConfig } from '../../../gateway/config/config.js';
import { ConfigInvalidError } from '../../../protocols/errors.js';
import { tempDir } from '../../helpers/gateway.js';

describe('config', () => {
  it('fills a default for everything', () => {
    const c = resolveConfig({});
    assert.equal(c.http.port, 8080);
    assert.equal(c.mqtt.port, 1883);
    assert.equal(c.dataDir, './data');
    assert.equal(c.queue.overflow, 'reject');
    assert.equal(c.auth.adminPassword, undefined, 'no default password anywhere');
    assert.deepEqual(c.bindings, { system: { enabled: true }, agent: { enabled: true }, ingest: { enabled: true } });
  });

  it('names the key and what was expected', () => {
    assert.throws(() => resolveConfig({ http: { port: 'eighty' } }), (e: unknown) =>
      e instanceof ConfigInvalidError && /\/http\/port: must be integer/.test(e.message));
    assert.throws(() => resolveConfig({ queue: { overflow: 'drop-newest' } }), /\/queue\/overflow: .*\(reject, drop-oldest\)/);
    assert.throws(() => resolveConfig({ htpp: {} }), /must NOT have additional properties \(htpp\)/);
    assert.throws(() => resolveConfig({ auth: { adminPassword: 'short' } }), /\/auth\/adminPassword: must NOT have fewer than 8 characters/);
  });

  it('reads YAML and JSON files and says which file is wrong', () => {
    const dir = tempDir();
    const y = join(dir, 'roost.yaml');
    writeFileSync(y, 'http:\n  port: 9090\nbindings:\n  system: { enabled: true }\n');
    assert.equal(loadConfigFile(y).http.port, 9090);
    const j = join(dir, 'roost.json');
    writeFileSync(j, '{"mqtt": {"port": 2883}}');
    assert.equal(loadConfigFile(j).mqtt.port, 2883);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'http: [1, 2');
    assert.throws(() => loadConfigFile(bad), (e: unknown) => e instanceof ConfigInvalidError && e.message.startsWith(bad));
    assert.throws(() => loadConfigFile(join(dir, 'missing.yaml')), /cannot read \(ENOENT\)/);
    rmSync(dir, { recursive: true, force: true });
  });
});
