/**
 * The Devices page in headless Chromium (playwright-core, /usr/bin/chromium) against a real
 * gateway: an admin approves a pending device with an OSCORE secret and kid and rejects another,
 * both leave the pending list, the table shows state and credential presence; a viewer sees no
 * devices. Fails, never skips, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logIn, pageErrors, startUiRig, type UiRig } from '../../helpers/chromium.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';

const SECRET = '7a7b7c7d000102030405060708090a0b';

describe('Devices page in headless Chromium', { timeout: 60_000 }, () => {
  let rig: UiRig;
  before(async () => {
    rig = await startUiRig({ onboarding: { defaultPolicy: 'approve' } });
  });
  after(() => rig?.stop());

  it('an admin approves one pending device with an OSCORE secret and rejects another; both leave the pending list', async () => {
    const ob = rig.gw.hub.onboarding;
    ob.requestAdmission('coap', { deviceId: 'node-7', seenAs: 'coap registration from 192.0.2.7:5683', claims: { ep: 'node-7' } });
    ob.requestAdmission('serial', { deviceId: 'tty-3', seenAs: 'serial hello on /dev/ttyUSB0' });
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.click('#nav a[data-route="devices"]');
    const node = '#pending-body tr[data-id="urn:roost:coap:node-7"]';
    await page.waitForSelector(node);
    assert.match(await page.textContent(node) ?? '', /coap registration from 192\.0\.2\.7:5683/);
    assert.equal(await page.$$eval('#pending-body tr', (rows) => rows.length), 2);

    // A malformed secret is refused in the page, nothing is sent.
    await page.fill(`${node} input.secret`, 'xyz');
    await page.click(`${node} button.approve`);
    await page.waitForSelector('#devices-note.error');
    assert.equal(ob.admission('coap', 'node-7').state, 'pending');

    await page.fill(`${node} input.secret`, SECRET);
    await page.fill(`${node} input.kid`, '2a');
    await page.click(`${node} button.approve`);
    await page.waitForSelector(node, { state: 'detached' });
    await page.waitForSelector('#devices-body tr[data-id="urn:roost:coap:node-7"][data-state="approved"] td[data-credentials="oscore"]');
    assert.equal(ob.findByOscoreKid('coap', '2a')?.credentials.oscore?.masterSecret, SECRET);

    const tty = '#pending-body tr[data-id="urn:roost:serial:tty-3"]';
    await page.click(`${tty} button.reject`);
    await page.waitForSelector(tty, { state: 'detached' });
    await page.waitForSelector('#devices-body tr[data-id="urn:roost:serial:tty-3"][data-state="rejected"]');
    assert.equal(ob.admission('serial', 'tty-3').state, 'rejected');
    assert.match(await page.textContent('#devices-note') ?? '', /No device is waiting|rejected/);
    assert.ok(!(await page.content()).includes(SECRET), 'the page never shows a secret it was not typed into');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a viewer gets no device list', async () => {
    const page = await rig.viewerOn('#/devices', '#devices-note');
    assert.match(await page.textContent('#devices-note') ?? '', /Role viewer does not see devices/);
    assert.equal(await page.$('#pending-body'), null);
    await page.close();
  });
});
