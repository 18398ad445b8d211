/**
 * POST /backup and POST /restore between two gateways: the archive streamed by one is staged by the
 * other (a bad one changes nothing) and applied when it starts again.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PENDING_DIR } from '../../../gateway/backup/backup-restore.js';
import { startTestGateway, tempDir, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

const PASS = 'route test passphrase';
const TD = {
  '@context': 'https://www.w3.org/2022/wot/td/v1.1', title: 'Valve', securityDefinitions: { nosec_sc: { scheme: 'nosec' } }, security: ['nosec_sc'],
  properties: { open: { type: 'boolean', forms: [{ href: 'http://example.com/open' }] } },
};

async function token(gw: TestGateway, username = 'admin', password = TEST_ADMIN_PASSWORD): Promise<string> {
  const res = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { token: string }).token;
}

describe('POST /backup and POST /restore', () => {
  let dir: string;
  let a: TestGateway;
  let b: TestGateway | null = null;
  let archive: Buffer;
  let thingId: string;

  before(async () => {
    dir = tempDir();
    a = await startTestGateway({}, { dataDir: join(dir, 'a') });
    thingId = a.hub.createThing(TD as never).id;
    a.hub.recordProperty(thingId, 'open', true, Date.now(), 'test');
  });
  after(async () => {
    await a.stop();
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams an archive to an admin only', async () => {
    const t = await token(a);
    const res = await fetch(`${a.httpUrl}/backup`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify({ passphrase: PASS }) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.roost.backup');
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="roost-.*\.roostbak"/);
    archive = Buffer.from(await res.arrayBuffer());
    assert.equal(archive.subarray(0, 8).toString('latin1'), 'ROOSTBAK');
    const short = await fetch(`${a.httpUrl}/backup`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify({ passphrase: 'short' }) });
    assert.equal(short.status, 400);
    const anon = await fetch(`${a.httpUrl}/backup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ passphrase: PASS }) });
    assert.equal(anon.status, 401);
  });

  it('a bad archive is refused with a clear error and stages nothing; a good one is applied at the next start', async () => {
    const dataDir = join(dir, 'b');
    b = await startTestGateway({}, { dataDir });
    const t = await token(b);
    const restore = (body: Buffer, passphrase: string) => fetch(`${b!.httpUrl}/restore`, {
      method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/vnd.roost.backup', 'roost-backup-passphrase': passphrase }, body,
    });
    const wrong = await restore(archive, 'not the passphrase');
    assert.equal(wrong.status, 400);
    assert.match(((await wrong.json()) as { title: string }).title, /wrong passphrase/);
    const cut = await restore(archive.subarray(0, archive.length - 20), PASS);
    assert.equal(cut.status, 400);
    assert.match(((await cut.json()) as { title: string }).title, /truncated/);
    assert.equal(existsSync(join(dataDir, PENDING_DIR)), false);
    const ok = await restore(archive, PASS);
    assert.equal(ok.status, 202);
    const body = (await ok.json()) as { state: string; files: number };
    assert.equal(body.state, 'staged');
    assert.ok(existsSync(join(dataDir, PENDING_DIR)));
    await b.stop();
    b = await startTestGateway({}, { dataDir });
    assert.equal(existsSync(join(dataDir, PENDING_DIR)), false);
    assert.equal(b.hub.getThing(thingId).id, thingId);
    assert.deepEqual(b.hub.history({ thingId, name: 'open' }).map((h) => h.value), [true]);
  });
});
