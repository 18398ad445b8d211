import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { firstBoot, generatePassword, lookupUser } from '../../../../image/src/firstboot/first-boot.js';
import { tempDir } from '../../../helpers/temp-dir.js';

function setup(): { data: string; config: string; lines: string[]; run: () => ReturnType<typeof firstBoot> } {
  const root = tempDir('roost-firstboot-');
  const config = join(root, 'default.yaml');
  writeFileSync(config, 'http:\n  port: 8080\n');
  const data = join(root, 'data');
  const lines: string[] = [];
  return {
    data, config, lines,
    run: () => firstBoot({ dataDir: data, defaultConfigFile: config, gatewayOwner: null, adminUser: 'admin', announce: (l) => lines.push(l), adminPasswordChars: 20 }),
  };
}

test('first boot makes identity, secrets, config and the admin credential, and announces it once', () => {
  const t = setup();
  const r = t.run();
  assert.match(r.deviceId, /^urn:roost:device:[0-9a-f-]{36}$/);
  assert.deepEqual(r.created.sort(), ['config.yaml', 'hostname', 'identity.json', 'secrets/admin-credential.txt', 'secrets/device.key', 'secrets/gateway.env']);
  const env = readFileSync(join(t.data, 'secrets/gateway.env'), 'utf8');
  const password = /^ROOST_ADMIN_PASSWORD=(\S{20})\n$/.exec(env)?.[1];
  assert.ok(password, env);
  assert.equal(t.lines.filter((l) => l.includes(`password '${password}'`)).length, 1);
  assert.match(readFileSync(join(t.data, 'secrets/admin-credential.txt'), 'utf8'), new RegExp(`admin password: ${password}`));
  for (const f of ['secrets/gateway.env', 'secrets/device.key', 'secrets/admin-credential.txt']) {
    assert.equal(statSync(join(t.data, f)).mode & 0o777, 0o600, f);
  }
  assert.equal(statSync(join(t.data, 'secrets')).mode & 0o777, 0o700);
  assert.equal(readFileSync(join(t.data, 'config.yaml'), 'utf8'), 'http:\n  port: 8080\n');
  const identity = JSON.parse(readFileSync(join(t.data, 'identity.json'), 'utf8')) as { deviceId: string; publicKey: string };
  assert.equal(identity.deviceId, r.deviceId);
  assert.match(identity.publicKey, /^[0-9a-f]{64}$/);
  // Its own host name, from its key: two boxes on one LAN are not both roost.local.
  assert.equal(readFileSync(join(t.data, 'hostname'), 'utf8'), `roost-${identity.publicKey.slice(0, 6)}\n`);
  assert.notEqual(readFileSync(join(setupAndRun(), 'hostname'), 'utf8'), readFileSync(join(t.data, 'hostname'), 'utf8'));
});

function setupAndRun(): string {
  const t = setup();
  t.run();
  return t.data;
}

test('later boots keep everything and announce nothing; a lost file is made again', () => {
  const t = setup();
  const first = t.run();
  const env = readFileSync(join(t.data, 'secrets/gateway.env'), 'utf8');
  writeFileSync(join(t.data, 'config.yaml'), 'edited: true\n');
  t.lines.length = 0;
  const again = t.run();
  assert.equal(again.deviceId, first.deviceId);
  assert.deepEqual(again.created, []);
  assert.deepEqual(t.lines, []);
  assert.equal(readFileSync(join(t.data, 'secrets/gateway.env'), 'utf8'), env);
  assert.equal(readFileSync(join(t.data, 'config.yaml'), 'utf8'), 'edited: true\n');
});

test('passwords use the unambiguous alphabet, every character reachable, bytes past the bias rejected', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) for (const c of generatePassword(20)) seen.add(c);
  assert.equal(seen.size, 57);
  for (const c of '01lIO') assert.equal(seen.has(c), false, c);
  // 228..255 would bias the first characters: they are skipped.
  const bytes = Buffer.from([255, 228, 0, 1]);
  assert.equal(generatePassword(2, () => bytes), 'ab');
});

test('lookupUser reads uid and gid from a passwd file', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nroost:x:996:995:Roost gateway:/var/lib/roost/gateway:/usr/sbin/nologin\n';
  assert.deepEqual(lookupUser(passwd, 'roost'), { uid: 996, gid: 995 });
  assert.equal(lookupUser(passwd, 'nobody'), null);
});
