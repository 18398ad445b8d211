/**
 * POST /update and GET /update on a gateway whose slots are files: the upload is streamed (its
 * progress shows half-way), checked before anything reaches a slot, and installed by the same
 * installer the USB path uses (image/'s slot manager, through cli/'s adapter), which leaves a
 * trial boot entry for the other slot. Every refusal leaves both slots and the ESP as they were.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { imageSlotInstaller } from '../../../cli/image-slot-installer.js';
import { startGateway, type Gateway } from '../../../gateway/gateway.js';
import { createLogger } from '../../../gateway/logger.js';
import { UPDATE_DIR } from '../../../gateway/update/update-service.js';
import { entryFileName, renderEntry } from '../../../image/src/slots/boot-entries.js';
import { DirEsp } from '../../../image/src/slots/esp.js';
import { formatKey, generateKeyPair } from '../../../protocols/update/update-signing.js';
import { TEST_ADMIN_PASSWORD, tempDir, testConfig } from '../../helpers/gateway.js';
import { makeUpdateFile } from '../../helpers/update-file.js';

const SLOT_BYTES = 1024 * 1024;
const key = generateKeyPair();

describe('POST /update', () => {
  let dir: string;
  let gw: Gateway;
  let token: string;
  let reboots = 0;
  const esp = (): DirEsp => new DirEsp(join(dir, 'esp'));
  const sha = (f: string): string => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
  const snapshot = (): Record<string, string> => ({ a: sha('slot-a'), b: sha('slot-b'), entries: readdirSync(join(dir, 'esp/loader/entries')).sort().join(',') });

  before(async () => {
    dir = tempDir('roost-update-');
    writeFileSync(join(dir, 'slot-a'), Buffer.alloc(SLOT_BYTES, 0x61));
    writeFileSync(join(dir, 'slot-b'), Buffer.alloc(SLOT_BYTES));
    writeFileSync(join(dir, 'cmdline'), 'root=/dev/disk/by-partlabel/roost-root-a ro roost.slot=a\n');
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', `${key.keyId}.pub`), formatKey(key.publicKey));
    mkdirSync(join(dir, 'esp'));
    await esp().write(`/loader/entries/${entryFileName('a')}`, renderEntry({ slot: 'a', priority: 1, release: '9.0.0 (a)', cmdline: '' }));
    const installer = imageSlotInstaller({
      layout: { esp: esp(), slotDevices: { a: join(dir, 'slot-a'), b: join(dir, 'slot-b') }, arch: 'amd64', cmdlinePath: join(dir, 'cmdline'), trustedKeysDir: join(dir, 'keys') },
      version: '9.0.0',
      reboot: async () => { reboots++; },
    });
    gw = await startGateway({
      config: testConfig({ update: { trustedKeysDir: join(dir, 'keys'), keepFreeBytes: 0, rebootDelayMs: 0 } }),
      dataDir: join(dir, 'data'), logger: createLogger('silent'), slotInstaller: installer,
    });
    const res = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    token = ((await res.json()) as { token: string }).token;
  });
  after(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: Buffer | ReadableStream<Uint8Array>, query = '', t = token, signal?: AbortSignal): Promise<Response> => fetch(`${gw.httpUrl}/update${query}`, {
    method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/vnd.roost.update' }, body, duplex: 'half', ...(signal ? { signal } : {}),
  } as RequestInit);
  const status = async (): Promise<Record<string, unknown>> => (await (await fetch(`${gw.httpUrl}/update`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;

  async function refused(body: Buffer, query: string, httpStatus: number, code: string, message: RegExp): Promise<void> {
    const before = snapshot();
    const res = await post(body, query);
    const problem = (await res.json()) as { code: string; detail?: string; message?: string };
    assert.equal(res.status, httpStatus, JSON.stringify(problem));
    assert.equal(problem.code, code);
    assert.match(JSON.stringify(problem), message);
    assert.deepEqual(snapshot(), before, 'slots and boot entries unchanged');
    assert.equal((await status())['state'], 'failed');
    assert.deepEqual(readdirSync(join(gw.dataDir, UPDATE_DIR)), [], 'the upload is deleted');
  }

  it('refuses a wrong signature, an unknown key, a truncated file, another architecture and a downgrade', async () => {
    const good = makeUpdateFile({ key });
    const forged = Buffer.from(good.bytes);
    const sigAt = 16 + forged.readUInt32BE(12) + 5;
    forged.writeUInt8(forged.readUInt8(sigAt) ^ 1, sigAt);
    await refused(forged, '', 401, 'ROOST_ERR_UNAUTHENTICATED', /bad signature/);
    await refused(makeUpdateFile().bytes, '', 401, 'ROOST_ERR_UNAUTHENTICATED', /does not trust/);
    await refused(good.bytes.subarray(0, good.bytes.length - 1000), '', 400, 'ROOST_ERR_BAD_REQUEST', /truncated at byte/);
    await refused(makeUpdateFile({ key, arch: 'arm64' }).bytes, '', 412, 'ROOST_ERR_PRECONDITION_FAILED', /for arm64, this device is amd64/);
    await refused(makeUpdateFile({ key, version: '8.9.9' }).bytes, '', 409, 'ROOST_ERR_CONFLICT', /older than the running 9\.0\.0.*force/);
    const tampered = Buffer.from(good.bytes);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 5) ^ 1, tampered.length - 5);
    await refused(tampered, '', 401, 'ROOST_ERR_UNAUTHENTICATED', /rootfs payload does not match/);
  });

  it('an upload that breaks off is a truncated upload; nothing is written', async () => {
    const u = makeUpdateFile({ key });
    const before = snapshot();
    const ac = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) { c.enqueue(u.bytes.subarray(0, 100_000)); },
    });
    const sent = post(body, '', token, ac.signal).catch(() => null);
    await waitFor(async () => ((await status())['receivedBytes'] as number) >= 100_000);
    ac.abort();
    const s = await waitFor(async () => { const x = await status(); return x['state'] === 'failed' ? x : null; });
    assert.match(JSON.stringify(s['error']), /ROOST_ERR_BAD_REQUEST.*(broke off|truncated)/);
    await sent;
    assert.deepEqual(snapshot(), before);
  });

  it('only an admin may update', async () => {
    const mk = await fetch(`${gw.httpUrl}/users`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'viewer1', password: 'viewer-password-1', role: 'viewer' }),
    });
    assert.ok(mk.status < 300, String(mk.status));
    const t = ((await (await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'viewer1', password: 'viewer-password-1' }) })).json()) as { token: string }).token;
    assert.equal((await post(makeUpdateFile({ key }).bytes, '', t)).status, 403);
  });

  it('a forced downgrade installs without reboot; a good upload streams, shows progress, installs into slot b for a trial boot and reboots', async () => {
    const old = makeUpdateFile({ key, version: '8.9.9', commit: 'old' });
    const forced = await post(old.bytes, '?force=true&reboot=false');
    assert.equal(forced.status, 200);
    assert.equal(((await forced.json()) as { release: string }).release, '8.9.9 (old)');
    assert.equal(reboots, 0);

    const u = makeUpdateFile({ key, payloads: { rootfs: Buffer.alloc(600_000, 0x77) } });
    const half = Math.floor(u.bytes.length / 2);
    let resume!: () => void;
    const gate = new Promise<void>((r) => { resume = r; });
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(u.bytes.subarray(0, half));
        await gate;
        c.enqueue(u.bytes.subarray(half));
        c.close();
      },
    });
    const slotA = sha('slot-a');
    const answer = post(body);
    const mid = await waitFor(async () => { const s = await status(); return s['state'] === 'receiving' && (s['receivedBytes'] as number) >= half ? s : null; });
    assert.equal(mid['state'], 'receiving');
    assert.equal(mid['totalBytes'], u.bytes.length);
    assert.equal(mid['release'], '9.1.0 (c0ffee)');
    assert.ok((mid['receivedBytes'] as number) < u.bytes.length);
    assert.notDeepEqual(readFileSync(join(dir, 'slot-b')).subarray(0, 10), u.payloads.rootfs.subarray(0, 10));
    resume();
    const res = await answer;
    const done = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, JSON.stringify(done));
    assert.equal(done['state'], 'installed');
    assert.equal(done['slot'], 'b');
    assert.equal(done['rebooting'], true);
    assert.deepEqual(readFileSync(join(dir, 'slot-b')).subarray(0, u.payloads.rootfs.length), u.payloads.rootfs);
    assert.equal(sha('slot-a'), slotA, 'the running slot is never touched');
    assert.deepEqual(readdirSync(join(dir, 'esp/loader/entries')).sort(), ['roost-a.conf', 'roost-b+1.conf']);
    assert.equal((await esp().read('/roost/b/vmlinuz')).toString(), 'kernel image bytes');
    await waitFor(async () => reboots === 1);
    assert.equal(existsSync(join(gw.dataDir, UPDATE_DIR)) ? readdirSync(join(gw.dataDir, UPDATE_DIR)).length : 0, 0);
    assert.equal((await post(u.bytes)).status, 409, 'nothing more while the box reboots');
  });
});

async function waitFor<T>(probe: () => Promise<T | null | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
