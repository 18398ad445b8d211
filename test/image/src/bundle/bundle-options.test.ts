import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { resolveConfig } from '../../../../gateway/config/config.js';
import { CHUNK_DIR, esbuildOptions, NATIVE_PACKAGES } from '../../../../image/src/bundle/bundle-options.js';

test('native and run-time-file packages stay external; version and commit are defined', () => {
  const o = esbuildOptions({ entry: 'e.ts', outFile: 'o.js', metaFile: 'm.json', version: '1.2.3', commit: 'abc', target: 'node20' });
  for (const n of NATIVE_PACKAGES) assert.ok((o['external'] as string[]).includes(n), n);
  assert.ok((o['external'] as string[]).includes('wot-thing-description-types'));
  assert.ok((o['external'] as string[]).includes('zigbee-herdsman-converters'), 'vendor definitions are loaded by path');
  assert.deepEqual(o['define'], { ROOST_VERSION: '"1.2.3"', ROOST_COMMIT: '"abc"' });
  assert.equal(o['format'], 'esm');
});

test('lazily imported modules are split into chunks beside the entry, which keeps its name', () => {
  const o = esbuildOptions({ entry: 'cli/main.ts', outFile: '/out/roost.js', metaFile: 'm.json', version: '1.2.3', commit: 'abc', target: 'node20' });
  assert.equal(o.splitting, true);
  assert.equal(o.outdir, '/out');
  assert.equal(o.entryNames, 'roost');
  assert.equal(o.chunkNames, `${CHUNK_DIR}/[name]-[hash]`);
  assert.equal(o.outfile, undefined);
});

test('the image\'s default config is a valid gateway config with data on the data partition', () => {
  const c = resolveConfig(parse(readFileSync(new URL('../../../../image/config/config.yaml', import.meta.url), 'utf8')));
  assert.equal(c.dataDir, '/var/lib/roost/gateway');
  assert.equal(c.http.port, 8080);
});
