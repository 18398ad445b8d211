/**
 * The Settings page in headless Chromium against a real gateway: every config section but the
 * bindings as a form generated from the config schema, prefilled from GET /config; an admin
 * changes the log level (applied at once), an HTTP limit (waits for a restart, and the page says
 * so again after a reload), has a bad value refused with the schema's message, and types the
 * uplink password, which is saved but never shown; a viewer is told admins change settings.
 * Fails, never skips, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { logIn, pageErrors, saveForm, startUiRig, type UiRig } from '../../helpers/chromium.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';

describe('Settings page in headless Chromium', { timeout: 90_000 }, () => {
  let rig: UiRig;
  before(async () => {
    rig = await startUiRig();
  });
  after(() => rig?.stop());

  const section = (name: string) => `section[data-section="${name}"]`;
  const save = (page: Page, name: string): Promise<string> => saveForm(page, section(name));

  it('an admin changes settings: live, after a restart, refused, and a write-only secret', async () => {
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.click('#nav a[data-route="settings"]');
    await page.waitForSelector(`${section('log')} select[name="level"]`);
    assert.equal(await page.$(section('bindings')), null, 'bindings have their own page');
    // Prefilled from GET /config, nested sections as fieldsets.
    assert.equal(await page.inputValue(`${section('http')} input[name="host"]`), '127.0.0.1');
    assert.equal(await page.inputValue(`${section('http')} input[name="events.maxStreams"]`), '256');
    assert.match(await save(page, 'http'), /Nothing changed/);

    await page.selectOption(`${section('log')} select[name="level"]`, { label: 'debug' });
    assert.match(await save(page, 'log'), /^Applied now: log\.$/);
    assert.equal(rig.gw.config.log.level, 'debug');

    await page.fill(`${section('http')} input[name="maxJsonDepth"]`, '0');
    assert.match(await save(page, 'http'), /ROOST_ERR_BAD_REQUEST: .*\/http\/maxJsonDepth/);
    await page.fill(`${section('http')} input[name="maxJsonDepth"]`, '64');
    await page.fill(`${section('http')} input[name="syncWaitMs"]`, '500');
    assert.match(await save(page, 'http'), /^Waits for a restart: http\.$/);
    assert.match(await page.textContent('#restart-note') ?? '', /waiting for a restart: http/);
    assert.equal((await rig.admin.get<{ http: { syncWaitMs: number } }>('/config')).body.http.syncWaitMs, 500);

    const password = `${section('uplink')} input[name="password"]`;
    assert.equal(await page.getAttribute(password, 'type'), 'password');
    await page.fill(password, 'upstream-secret-1');
    assert.match(await save(page, 'uplink'), /Waits for a restart: (.*, )?uplink\b/);
    assert.equal(await page.inputValue(password), '');
    assert.ok(!JSON.stringify((await rig.admin.get('/config')).body).includes('upstream-secret-1'));

    // A reload shows what is saved and what still waits for a restart.
    await page.reload();
    await page.waitForSelector(`${section('http')} input[name="syncWaitMs"]`);
    assert.equal(await page.inputValue(`${section('http')} input[name="syncWaitMs"]`), '500');
    assert.match(await page.textContent('#restart-note') ?? '', /waiting for a restart: (http, uplink|uplink, http)\./);
    assert.equal(await page.content().then((html) => html.includes('upstream-secret-1')), false);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a viewer is told that admins change settings', async () => {
    const page = await rig.viewerOn('#/settings', '#settings-note');
    assert.match(await page.locator('#settings-note').textContent() ?? '', /Role viewer does not change settings/);
    assert.equal(await page.$('#settings-cards'), null);
    await page.close();
  });
});
