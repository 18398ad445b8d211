/**
 * The Firmware page in headless Chromium (playwright-core, /usr/bin/chromium) against a real
 * gateway with the CoAP binding and a firmware-sim LwM2M device: an admin uploads an image, starts
 * a campaign on the device and watches it succeed with Update Result 1 and the new version; a
 * viewer sees the campaigns but no upload or start controls. Fails, never skips, when Chromium is
 * missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { Lwm2mClient, simFirmwarePackage } from '../../../firmware-sim/lwm2m/index.js';
import { ApiClient } from '../../helpers/api-client.js';
import { launchChromium, logIn as logInAs, type Chromium } from '../../helpers/chromium.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

const EP = 'urn:imei:356938035649999';
const THING = `urn:roost:coap:${EP}`;

describe('Firmware page in headless Chromium', { timeout: 90_000 }, () => {
  let gw: TestGateway;
  let browser: BrowserContext;
  let chrome: Chromium | undefined;
  let device: Lwm2mClient;

  before(async () => {
    gw = await startTestGateway({
      bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, ackTimeoutMs: 200, security: 'none', lwm2mFirmwarePollMs: 50 } },
    });
    const port = (gw.binding('coap') as CoapBinding).listening!.port;
    device = new Lwm2mClient({ server: { host: '127.0.0.1', port }, endpoint: EP, queueMode: false, ackTimeoutMs: 300, lifetimeS: 600, updateMs: 50 });
    await device.register();
    const admin = await ApiClient.login(gw.httpUrl!);
    assert.equal((await admin.send('POST', '/users', { username: 'watcher', password: 'viewer-pass-1', role: 'viewer' })).status, 201);
    chrome = await launchChromium();
    browser = chrome.browser;
    browser.setDefaultTimeout(15000); // a campaign waits for the device's wakes
  });

  after(async () => {
    device?.close();
    await chrome?.close();
    await gw?.stop();
  });

  const logIn = (page: Page, username: string, password: string): Promise<void> => logInAs(page, gw.httpUrl!, username, password);

  it('an admin uploads an image, starts a campaign on a thing and sees it succeed', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text()); });
    await logIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.click('#nav a[data-route="firmware"]');
    await page.waitForSelector('#fw-note:has-text("No image uploaded yet")');

    // Nothing chosen: refused in the page.
    await page.click('#fw-upload');
    await page.waitForSelector('#fw-note.error');
    await page.setInputFiles('#fw-file', { name: 'sim-2.0.0.bin', mimeType: 'application/octet-stream', buffer: simFirmwarePackage('2.0.0', 2000) });
    await page.fill('#fw-name', 'sim');
    await page.fill('#fw-version', '2.0.0');
    await page.click('#fw-upload');
    await page.waitForSelector('#fw-images tr[data-id^="sim-2.0.0-"]');
    assert.match(await page.textContent('#fw-note') ?? '', /Stored sim-2\.0\.0-/);
    const images = (await (await ApiClient.login(gw.httpUrl!)).send<Array<{ id: string; size: number }>>('GET', '/firmware')).body;
    assert.equal(images[0]?.size, simFirmwarePackage('2.0.0', 2000).length);

    await page.check(`#fw-things input[data-id="${THING}"]`);
    await page.click('#fw-start');
    const row = `#fw-items tr[data-thing="${THING}"][data-state="succeeded"]`;
    await page.waitForSelector(row);
    assert.equal((await page.textContent(`${row} td.result`))?.trim(), '1');
    assert.match(await page.textContent(row) ?? '', /1\.0\.0 → 2\.0\.0/);
    await page.waitForSelector('#fw-campaigns tr[data-state="completed"]');
    assert.equal(device.store.get('/3/0/3'), '2.0.0');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a viewer sees the campaigns but cannot upload or start one', async () => {
    const page = await browser.newPage();
    await logIn(page, 'watcher', 'viewer-pass-1');
    await page.goto(`${gw.httpUrl}/#/firmware`);
    await page.waitForSelector('#fw-campaigns tr[data-state="completed"]');
    await page.waitForSelector(`#fw-items tr[data-thing="${THING}"]`);
    assert.equal(await page.$('#fw-upload'), null);
    assert.equal(await page.$('#fw-start'), null);
    assert.equal(await page.$('#fw-images button.delete'), null);
    await page.close();
  });
});
