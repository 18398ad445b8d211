/**
 * The Gateway page in headless Chromium against a real gateway with TLS on (its own self-signed
 * certificate): version, uptime, data disk, memory, the certificate's SHA-256 fingerprint and the
 * update state as /gateway/info and /gateway/identity answer them, the uptime going up while the
 * page is open, beside the binding states and figures; an admin installs a certificate and key of
 * their own (a mismatched pair refused) and the page shows the new fingerprint at once. Fails,
 * never skips, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeCertificate, makeSelfSigned } from '../../../gateway/tls/self-signed.js';
import { logIn, pageErrors, startUiRig, type UiRig } from '../../helpers/chromium.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';

interface Info { version: string | null; uptimeS: number; update: { state: string } | null }
interface Identity { tls: { sha256: string } | null }

describe('Gateway page in headless Chromium', { timeout: 90_000 }, () => {
  let rig: UiRig;
  before(async () => {
    rig = await startUiRig({ tls: { enabled: true, httpsPort: 0 } });
  });
  after(() => rig?.stop());

  it('a viewer sees version, uptime, disk, memory, the TLS fingerprint and the update state', async () => {
    const info = (await rig.admin.get<Info>('/gateway/info')).body;
    const identity = (await rig.admin.get<Identity>('/gateway/identity')).body;
    assert.match(identity.tls?.sha256 ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const page = await rig.viewerOn('#/gateway', '#about');
    const errors = pageErrors(page);
    const item = async (key: string) => (await page.locator(`#about tr[data-item="${key}"] td:nth-child(2)`).textContent()) ?? '';
    await page.waitForSelector('#about tr[data-item="version"]');
    assert.equal(await item('version'), info.version ?? 'unknown');
    assert.match(await item('uptime'), /^\d+ (s|min \d+ s)$/);
    assert.match(await item('disk'), /^\d+(\.\d)? [KMGT]?i?B free of \d+(\.\d)? [KMGT]?i?B$/);
    assert.match(await item('memory'), /MiB resident, .* heap$/);
    assert.equal(await item('tls'), identity.tls!.sha256);
    assert.match(await item('tls-valid'), /^\d{4}-/);
    assert.equal(await item('ed25519'), 'none');
    assert.equal(info.update?.state, 'idle');
    assert.match(await item('update'), /^idle$/);
    assert.equal(await page.$('#tls-install'), null, 'only admins install a certificate');
    await page.waitForSelector('#bindings tr[data-binding="system"]');
    await page.locator('#figures tr', { hasText: 'Things' }).first().waitFor();
    // Read again while open: the uptime moves on.
    const first = await item('uptime');
    await page.locator('#about tr[data-item="uptime"] td:nth-child(2)').filter({ hasNotText: first }).waitFor({ timeout: 12_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('an admin installs their own certificate and key; the page shows its fingerprint', async () => {
    const names = { dns: ['installed.roost.test'], ip: [] };
    const mine = await makeSelfSigned('installed.roost.test', names, 30);
    const other = await makeSelfSigned('other.roost.test', names, 30);
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.goto(`${rig.url}/#/gateway`);
    await page.waitForSelector('#tls-install');

    await page.fill('#tls-cert', mine.certPem);
    await page.fill('#tls-key', other.keyPem);
    await page.click('#tls-install');
    await page.locator('#tls-note.error', { hasText: 'ROOST_ERR_BAD_REQUEST' }).waitFor();

    const sha256 = describeCertificate(mine.certPem).sha256;
    await page.fill('#tls-key', mine.keyPem);
    await page.click('#tls-install');
    await page.locator('#tls-note', { hasText: `SHA-256 ${sha256}` }).waitFor();
    assert.equal(await page.inputValue('#tls-key'), '', 'the key is not kept in the page');
    await page.locator('#about tr[data-item="tls"] td:nth-child(2)', { hasText: sha256 }).waitFor();
    assert.equal((await rig.admin.get<Identity>('/gateway/identity')).body.tls?.sha256, sha256);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
