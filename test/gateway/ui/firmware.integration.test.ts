/**
 * The Firmware page in headless Chromium (playwright-core, /usr/bin/chromium) against a real
 * gateway with the CoAP binding and a firmware-sim LwM2M device: an admin uploads an image, starts
 * a campaign on the device and watches it succeed with Update Result 1 and the new version; a
 * viewer sees the campaigns but no upload or start controls. Fails, never skips, when Chromium is
 * missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { Lwm2mClient, simFirmwarePackage } from '../../../firmware-sim/lwm2m/index.js';
import { logIn, pageErrors, startUiRig, type UiRig } from '../../helpers/chromium.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';

const EP = 'urn:imei:356938035649999';
const THING = `urn:roost:coap:${EP}`;

describe('Firmware page in headless Chromium', { timeout: 90_000 }, () => {
  let rig: UiRig;
  let device: Lwm2mClient;

  before(async () => {
    rig = await startUiRig({
      bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, ackTimeoutMs: 200, security: 'none', lwm2mFirmwarePollMs: 50 } },
    });
    const port = (rig.gw.binding('coap') as CoapBinding).listening!.port;
    device = new Lwm2mClient({ server: { host: '127.0.0.1', port }, endpoint: EP, queueMode: false, ackTimeoutMs: 300, lifetimeS: 600, updateMs: 50 });
    await device.register();
    rig.chrome.browser.setDefaultTimeout(15000); // a campaign waits for the device's wakes
  });

  after(async () => {
    device?.close();
    await rig?.stop();
  });

  it('an admin uploads an image, starts a campaign on a thing and sees it succeed', async () => {
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
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
    const images = (await rig.admin.get<Array<{ id: string; size: number }>>('/firmware')).body;
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
    const page = await rig.viewerOn('#/firmware', '#fw-campaigns tr[data-state="completed"]');
    await page.waitForSelector(`#fw-items tr[data-thing="${THING}"]`);
    assert.equal(await page.$('#fw-upload'), null);
    assert.equal(await page.$('#fw-start'), null);
    assert.equal(await page.$('#fw-images button.delete'), null);
    await page.close();
  });
});
