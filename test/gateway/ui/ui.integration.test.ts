/**
 * The web UI end to end in headless Chromium (a real peer nobody here wrote), driven by
 * playwright-core against a real gateway with a test binding: log in, list things, open one,
 * see a value arrive live, write a property, invoke an action, queue one on a sleepy thing and
 * cancel it, then log in as a viewer, find the controls disabled, and lose the session to a 401. Fails, never skips, when
 * /usr/bin/chromium is missing (`make setup` installs it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ApiClient } from '../../helpers/api-client.js';
import { addViewer, launchChromium, logIn as logInAs, pageErrors, VIEWER, type Chromium } from '../../helpers/chromium.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

const SCREENSHOT = '/tmp/roost-ui.png';

describe('web UI in headless Chromium', { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let binding: TestDeviceBinding;
  let browser: BrowserContext;
  let chrome: Chromium | undefined;
  const lamp = 'urn:roost:testdev:lamp1';
  const sleepy = 'urn:roost:testdev:sleepy1';

  before(async () => {
    binding = new TestDeviceBinding('testdev', [{ deviceId: 'lamp1', sleepy: false }, { deviceId: 'sleepy1', sleepy: true }]);
    gw = await startTestGateway({}, { extraBindings: [binding] });
    binding.ctx!.reportProperties(lamp, { temperature: 21.5, brightness: 10 });
    const admin = await ApiClient.login(gw.httpUrl!);
    await addViewer(admin);
    chrome = await launchChromium({ width: 1280, height: 900 });
    browser = chrome.browser;
  });

  after(async () => {
    await chrome?.close();
    await gw?.stop();
  });

  const logIn = (page: Page, username: string, password: string): Promise<void> => logInAs(page, gw.httpUrl!, username, password, '#things-body tr');

  it('an operator lists, watches, writes, invokes and cancels', async () => {
    const page = await browser.newPage();
    const errors = pageErrors(page);

    await page.goto(`${gw.httpUrl}/`);
    await page.fill('#login-user', 'admin');
    await page.fill('#login-password', 'wrong-password');
    await page.click('#login-submit');
    await page.waitForSelector('#login-note.error');
    assert.match(await page.textContent('#login-note') ?? '', /ROOST_ERR_UNAUTHENTICATED/);

    binding.ctx!.setOnline(lamp, true);
    binding.ctx!.setOnline(sleepy, false);
    await logIn(page, 'admin', TEST_ADMIN_PASSWORD);
    const ids = await page.$$eval('#things-body tr', (rows) => rows.map((r) => r.getAttribute('data-id')));
    assert.deepEqual(new Set(ids), new Set([lamp, sleepy, 'urn:roost:system:gateway']));
    // Per-thing state from /status/things: the lamp online, the sleepy thing offline.
    await page.waitForSelector(`#things-body tr[data-id="${sleepy}"] td[data-state="offline"]`);
    await page.waitForSelector(`#things-body tr[data-id="${lamp}"] td[data-state="online"]`);
    assert.match(await page.textContent('#things-summary') ?? '', /2 online/);
    await page.fill('#things-filter', 'sleepy');
    assert.equal(await page.locator('#things-body tr').count(), 1);
    await page.fill('#things-filter', 'testdev');
    assert.equal(await page.locator('#things-body tr').count(), 2);

    await page.click(`#things-body tr[data-id="${lamp}"] a`);
    await page.waitForSelector('#thing-state[data-state="online"]');
    const temp = page.locator('tr[data-property="temperature"] td.value');
    await temp.filter({ hasText: '21.5' }).waitFor();
    // The first read shows when the value was measured (from history).
    await page.locator('tr[data-property="temperature"] td.time').filter({ hasText: /\d\d:\d\d:\d\d/ }).waitFor();
    // Live: the binding reports a value once the observe stream is open.
    await page.locator('tr[data-property="temperature"] .how', { hasText: 'live' }).waitFor();
    await waitForStreams(gw, 3);
    binding.ctx!.reportProperties(lamp, { temperature: 23.25 });
    await temp.filter({ hasText: '23.25' }).waitFor();
    binding.ctx!.emitEvent(lamp, 'button', 'pressed');
    await page.locator('#events-list li', { hasText: 'pressed' }).waitFor();

    // A write the schema refuses shows the typed error; a good one reaches the device.
    const row = page.locator('tr[data-property="brightness"]');
    await row.locator('input').fill('150');
    await row.locator('button').click();
    await row.locator('[data-code="ROOST_ERR_VALUE_INVALID"]').waitFor();
    await row.locator('input').fill('42');
    await row.locator('button').click();
    await row.locator('.ok', { hasText: 'written' }).waitFor();
    assert.deepEqual(binding.delivered.filter((d) => d.kind === 'write').map((d) => d.input), [42]);
    await row.locator('td.value', { hasText: '42' }).waitFor();

    const blink = page.locator('form[data-action="blink"]');
    assert.deepEqual(JSON.parse(await blink.locator('textarea').inputValue()), { times: 1 });
    await blink.locator('textarea').fill('{"times": 3}');
    await blink.locator('button[type=submit]').click();
    await blink.locator('[data-state="completed"]').waitFor();
    assert.match(await blink.locator('.output').textContent() ?? '', /"done":"blink"/);
    await page.locator('#history-view svg.chart').waitFor();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The sleepy thing: the invocation is queued (202), its status followed, then cancelled.
    await page.goto(`${gw.httpUrl}/#/thing/${encodeURIComponent(sleepy)}`);
    const queued = page.locator('form[data-action="blink"]');
    await queued.locator('button[type=submit]').click();
    await queued.locator('[data-state="queued"]').waitFor();
    await queued.locator('button[data-role="cancel"]').click();
    await queued.locator('[data-state="cancelled"]').waitFor();
    assert.equal(binding.delivered.filter((d) => d.thingId === sleepy).length, 0);

    await page.click('#logout');
    await page.waitForSelector('#login-form');
    assert.equal(await page.evaluate('sessionStorage.length'), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a viewer finds writing and invoking disabled, with a note', async () => {
    const page = await browser.newPage();
    await logIn(page, VIEWER.username, VIEWER.password);
    assert.match(await page.textContent('#who-name') ?? '', /watcher \(viewer\)/);
    await page.goto(`${gw.httpUrl}/#/thing/${encodeURIComponent(lamp)}`);
    await page.locator('#role-note').waitFor({ state: 'visible' });
    assert.equal(await page.locator('tr[data-property="brightness"] button').isDisabled(), true);
    assert.equal(await page.locator('tr[data-property="brightness"] input').isDisabled(), true);
    assert.equal(await page.locator('form[data-action="blink"] button[type=submit]').isDisabled(), true);
    assert.equal(await page.locator('form[data-action="blink"] textarea').isDisabled(), true);
    // Reading still works for a viewer.
    await page.locator('tr[data-property="temperature"] td.value', { hasText: '23.25' }).waitFor();
    await page.goto(`${gw.httpUrl}/#/gateway`);
    await page.locator('#bindings tr[data-binding="testdev"]', { hasText: 'running' }).waitFor();
    await page.locator('#figures tr', { hasText: 'Actions queued' }).waitFor();
    // A token the gateway no longer takes: the first 401 brings the login form back.
    await page.evaluate(`sessionStorage.setItem('roost.session', JSON.stringify({ token: 'expired', username: 'watcher', role: 'viewer' }))`);
    await page.goto(`${gw.httpUrl}/#/things`);
    await page.locator('#login-note', { hasText: 'session ended' }).waitFor();
    await page.close();
  });
});

/** Waits until the gateway counts `n` open SSE streams (so a reported value is not missed). */
async function waitForStreams(gw: TestGateway, n: number): Promise<void> {
  const admin = await ApiClient.login(gw.httpUrl!);
  for (let i = 0; i < 80; i++) {
    const text = (await admin.get<string>('/metrics')).body;
    const m = /roost_http_event_streams\{kind="sse"\} (\d+)/.exec(text);
    if (m && Number(m[1]) >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`fewer than ${n} SSE streams opened`);
}
