/**
 * The Maintenance page in headless Chromium against a real gateway: an admin downloads a backup,
 * restores it (a wrong passphrase is shown as such, the right one stages it), and uploads an
 * update file, which this gateway (no A/B image) refuses with its error shown; a viewer gets no
 * controls. Fails, never skips, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { logIn, pageErrors, startUiRig, type UiRig } from '../../helpers/chromium.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';
import { makeUpdateFile } from '../../helpers/update-file.js';

const PASS = 'ui backup passphrase';

describe('Maintenance page in headless Chromium', { timeout: 90_000 }, () => {
  let rig: UiRig;

  before(async () => {
    rig = await startUiRig();
  });
  after(async () => {
    await rig?.stop();
  });

  it('an admin downloads a backup, restores it, and sees an update refused with its reason', async () => {
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.click('#nav a[data-route="maintenance"]');
    await page.waitForSelector('#mt-update-status:has-text("idle")');

    await page.fill('#mt-backup-pass', PASS);
    const download = page.waitForEvent('download');
    await page.click('#mt-backup');
    const archive = readFileSync((await (await download).path())!);
    assert.equal(archive.subarray(0, 8).toString('latin1'), 'ROOSTBAK');
    await page.waitForSelector('#mt-backup-status:has-text("saved as")');

    await page.setInputFiles('#mt-restore-file', { name: 'box.roostbak', mimeType: 'application/octet-stream', buffer: archive });
    await page.fill('#mt-restore-pass', 'not the passphrase');
    await page.click('#mt-restore');
    await page.waitForSelector('#mt-restore-status:has-text("wrong passphrase")');
    await page.fill('#mt-restore-pass', PASS);
    await page.click('#mt-restore');
    await page.waitForSelector('#mt-restore-status:has-text("Staged")');

    await page.setInputFiles('#mt-update-file', { name: 'next.roostupd', mimeType: 'application/octet-stream', buffer: makeUpdateFile().bytes });
    await page.click('#mt-update');
    await page.waitForSelector('#mt-update-status:has-text("ROOST_ERR_PRECONDITION_FAILED")');
    assert.match((await page.textContent('#mt-update-status')) ?? '', /not running from a Roost A\/B image/);
    assert.ok(await page.isVisible('#login-user') === false, 'still logged in');
    assert.deepEqual(errors, []);
  });

  it('a viewer sees no controls', async () => {
    const page = await rig.viewerOn('#/maintenance', '#mt-note');
    assert.match((await page.textContent('#mt-note')) ?? '', /for admins/);
    assert.equal(await page.locator('#mt-backup').count(), 0);
  });
});
