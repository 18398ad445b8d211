/**
 * `roost backup create` against a running gateway's data dir, then `roost backup restore` onto a
 * fresh data dir: a gateway started there has the things, history, users and device credentials.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../../cli/roost.js';
import { startTestGateway, tempDir, TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';

async function roost(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const saved = { ...process.env };
  Object.assign(process.env, env);
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  try {
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    for (const k of Object.keys(env)) if (saved[k] === undefined) Reflect.deleteProperty(process.env, k); else process.env[k] = saved[k];
  }
}

const TD = {
  '@context': 'https://www.w3.org/2022/wot/td/v1.1', title: 'Lamp', securityDefinitions: { nosec_sc: { scheme: 'nosec' } }, security: ['nosec_sc'],
  properties: { level: { type: 'integer', forms: [{ href: 'http://example.com/level' }] } },
};

describe('roost backup', () => {
  it('create while the gateway runs, restore onto a fresh data dir', async () => {
    const dir = tempDir();
    try {
      const src = join(dir, 'src');
      const passFile = join(dir, 'pass');
      writeFileSync(passFile, 'a long enough passphrase\n');
      const gw = await startTestGateway({}, { dataDir: src });
      let thingId: string;
      try {
        thingId = gw.hub.createThing(TD as never).id;
        gw.hub.recordProperty(thingId, 'level', 7, Date.now(), 'test');
        gw.hub.historyStore.flush();
        const r = await roost(['backup', 'create', join(dir, 'a.roostbak'), '--data', src, '--passphrase-file', passFile]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /roost backup: .*a\.roostbak \(\d+ bytes\)/);
      } finally {
        await gw.stop();
      }
      const dest = join(dir, 'fresh');
      const wrong = await roost(['backup', 'restore', join(dir, 'a.roostbak'), '--data', dest], { ROOST_BACKUP_PASSPHRASE: 'another passphrase' });
      assert.equal(wrong.code, 1);
      assert.match(wrong.err, /ROOST_ERR_BAD_REQUEST: wrong passphrase/);
      assert.equal(existsSync(join(dest, 'roost.db')), false);
      const none = await roost(['backup', 'restore', join(dir, 'a.roostbak'), '--data', dest], { ROOST_BACKUP_PASSPHRASE: '' });
      assert.equal(none.code, 2);
      assert.match(none.err, /no passphrase/);
      const ok = await roost(['backup', 'restore', join(dir, 'a.roostbak'), '--data', dest], { ROOST_BACKUP_PASSPHRASE: readFileSync(passFile, 'utf8').trim() });
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /restored .*fresh from a backup of/);
      const gw2 = await startTestGateway({}, { dataDir: dest });
      try {
        assert.equal(gw2.hub.getThing(thingId).id, thingId);
        assert.deepEqual(gw2.hub.history({ thingId, name: 'level' }).map((h) => h.value), [7]);
        const res = await fetch(`${gw2.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
        assert.equal(res.status, 200);
      } finally {
        await gw2.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
