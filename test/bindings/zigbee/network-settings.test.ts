/** Network identity: generated once, kept (mode 0600), overrides applied, corrupt files refused. */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateNetwork, loadOrCreateNetwork, NETWORK_FILE } from '../../../bindings/zigbee/network-settings.js';
import { ConfigInvalidError } from '../../../protocols/errors.js';
import { tempDir } from '../../helpers/gateway.js';

test('generated on first start, the same on the next', () => {
  const dir = tempDir();
  try {
    const a = loadOrCreateNetwork(dir);
    assert.equal(a.created, true);
    assert.equal(a.settings.networkKey.length, 16);
    assert.equal(a.settings.extendedPanId.length, 8);
    assert.ok([11, 15, 20, 25].includes(a.settings.channel));
    assert.equal(statSync(join(dir, NETWORK_FILE)).mode & 0o777, 0o600);
    const b = loadOrCreateNetwork(dir);
    assert.equal(b.created, false);
    assert.deepEqual(b.settings, a.settings);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a configured channel overrides and is kept; keys differ between networks', () => {
  const dir = tempDir();
  try {
    const a = loadOrCreateNetwork(dir);
    const b = loadOrCreateNetwork(dir, { channel: 26 });
    assert.equal(b.settings.channel, 26);
    assert.deepEqual(b.settings.networkKey, a.settings.networkKey);
    assert.equal(JSON.parse(readFileSync(join(dir, NETWORK_FILE), 'utf8')).channel, 26);
    assert.notDeepEqual(generateNetwork().networkKey, generateNetwork().networkKey);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt or invalid file is a ConfigInvalidError, never silently replaced', () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, NETWORK_FILE), '{not json');
    assert.throws(() => loadOrCreateNetwork(dir), ConfigInvalidError);
    writeFileSync(join(dir, NETWORK_FILE), JSON.stringify({ panId: 0xffff, channel: 9, extendedPanId: [], networkKey: [] }));
    assert.throws(() => loadOrCreateNetwork(dir), ConfigInvalidError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
