/**
 * The Gateway page in headless Chromium against a real gateway with TLS on (its own self-signed
 * certificate): version, uptime, data disk, memory, the certificate's SHA-256 fingerprint and the
 * update state as /gateway/info and /gateway/identity answer them, the uptime going up while the
 * page is open, beside the binding states and figures. Fails, never skips, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pageErrors, startUiRig, type UiRig } from '../../helpers/chromium.js';

interface Info { version: string; uptimeS: number; update: { state: string } }
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
    assert.equal(await item('version'), info.version);
    assert.match(await item('uptime'), /^\d+ (s|min \d+ s)$/);
    assert.match(await item('disk'), /^\d+(\.\d)? [KMGT]?i?B free of \d+(\.\d)? [KMGT]?i?B$/);
    assert.match(await item('memory'), /MiB resident, .* heap$/);
    assert.equal(await item('tls'), identity.tls!.sha256);
    assert.match(await item('tls-valid'), /^\d{4}-/);
    assert.equal(await item('ed25519'), 'none');
    assert.match(await item('update'), new RegExp(`^${info.update.state}`));
    await page.waitForSelector('#bindings tr[data-binding="system"]');
    await page.locator('#figures tr', { hasText: 'Things' }).first().waitFor();
    // Read again while open: the uptime moves on.
    const first = await item('uptime');
    await page.locator('#about tr[data-item="uptime"] td:nth-child(2)').filter({ hasNotText: first }).waitFor({ timeout: 12_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
