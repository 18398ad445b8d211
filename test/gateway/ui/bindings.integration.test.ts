/**
 * The Bindings page in headless Chromium against a real gateway with hardware detection on a fake
 * sysfs tree and the firmware-sim ZNP coordinator over TCP: an admin sees every binding's state
 * and the adapter detection left alone, has a bad option refused with the schema's message,
 * enables Zigbee from the form generated from its schema (applied live), opens joining and
 * watches the countdown (the emulated stick sees permit-join), closes it, and disables the
 * binding again; a secret option is typed but never shown; a viewer is told admins configure
 * bindings. Fails, never skips, when Chromium is
 * missing.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startZigbeeSim, type ZigbeeSim } from '../../../firmware-sim/zigbee/zigbee-sim.js';
import { logIn, pageErrors, saveBinding, startUiRig, type UiRig } from '../../helpers/chromium.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';
import { FakeTree } from '../detect/fake-tree.js';

/** Herdsman's first start takes 4-6 s (FACTS.md, Zigbee). */
const ZIGBEE_START_MS = 60_000;

describe('Bindings page in headless Chromium', { timeout: 180_000 }, () => {
  const tree = new FakeTree();
  let sim: ZigbeeSim;
  let rig: UiRig;

  before(async () => {
    sim = await startZigbeeSim();
    tree.plugUsb({ byId: 'usb-Acme_Widget_0001-if00', target: tree.node('ttyUSB7'), vendorId: '1234', productId: '5678', product: 'Widget' });
    rig = await startUiRig({ detect: { enabled: true, sysDir: tree.sysDir, devDir: tree.devDir, scanIntervalMs: 0 } });
  });

  after(async () => {
    await rig?.stop();
    await sim?.close();
    tree.remove();
  });

  const zigbee = 'section[data-binding="zigbee"]';
  const save = (page: Page): Promise<string> => saveBinding(page, 'zigbee', ZIGBEE_START_MS);

  it('an admin enables Zigbee from its schema form, opens joining with a countdown, and disables it', async () => {
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.click('#nav a[data-route="bindings"]');

    // States from /healthz; every binding module has a card; the adapter detection left alone.
    await page.waitForSelector('section[data-binding="system"] .binding-state [data-state="running"]');
    await page.waitForSelector('section[data-binding="ingest"] .binding-state [data-state="running"]');
    for (const name of ['agent', 'ble', 'coap', 'serial']) await page.waitForSelector(`section[data-binding="${name}"] form`);
    const widget = page.locator('#detected li[data-decision="unknown"]');
    assert.match(await widget.textContent() ?? '', /Widget.*1234:5678.*usb-Acme_Widget_0001-if00/s);
    assert.equal(await page.isChecked(`${zigbee} input[data-role="enabled"]`), false);
    await page.waitForSelector(`${zigbee} .binding-state [data-state="off"]`);
    // Fields by kind, defaults as placeholders.
    assert.equal(await page.getAttribute(`${zigbee} input[name="port"]`, 'placeholder'), '/dev/ttyACM0');
    assert.equal(await page.locator(`${zigbee} select[name="adapter"] option`).count(), 6);
    assert.equal(await page.getAttribute(`${zigbee} input[name="baudRate"]`, 'type'), 'number');
    assert.equal(await page.getAttribute(`${zigbee} input[name="rtscts"]`, 'type'), 'checkbox');

    // A value the binding's schema refuses: the typed error, nothing applied.
    await page.check(`${zigbee} input[data-role="enabled"]`);
    await page.fill(`${zigbee} input[name="port"]`, sim.url);
    await page.fill(`${zigbee} input[name="baudRate"]`, '300');
    assert.match(await save(page), /ROOST_ERR_BAD_REQUEST: .*\/bindings\/zigbee\/baudRate/);
    assert.equal(rig.gw.binding('zigbee'), undefined);

    await page.fill(`${zigbee} input[name="baudRate"]`, '');
    await page.fill(`${zigbee} input[name="reconnectDelayMs"]`, '200');
    assert.match(await save(page), /Applied now: bindings\.zigbee\..*zigbee is running/);
    await page.waitForSelector(`${zigbee} .binding-state [data-state="running"]`);
    const saved = (await rig.admin.get<{ bindings: Record<string, unknown> }>('/config')).body.bindings['zigbee'];
    assert.deepEqual(saved, { enabled: true, port: sim.url, reconnectDelayMs: 200 });
    assert.match(await save(page), /Nothing changed/);

    // Permit join: the coordinator's action, then a countdown that goes down each second.
    await page.waitForSelector('#permit-join:not([disabled])');
    await page.fill('#permit-join-seconds', '30');
    await page.click('#permit-join');
    await page.locator('#permit-join-countdown', { hasText: /Joining open: \d+ s left/ }).waitFor();
    await sim.waitForPermitJoin(5000);
    const left = async () => Number(await page.getAttribute('#permit-join-countdown', 'data-remaining'));
    const first = await left();
    assert.ok(first > 25 && first <= 30, `countdown starts near 30 s: ${first}`);
    await sleep(2100);
    assert.ok((await left()) < first, 'the countdown goes down');
    await page.click('#permit-join-close');
    await page.locator('#permit-join-countdown', { hasText: 'Joining closed' }).waitFor();

    await page.uncheck(`${zigbee} input[data-role="enabled"]`);
    assert.match(await save(page), /zigbee is stopped \(disabled by PATCH \/config\)/);
    assert.equal(rig.gw.binding('zigbee'), undefined);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('an option is saved and shown again; a token lifetime is no secret', async () => {
    // tokenTtlS once matched the secret-key pattern (config-service.ts SECRET_KEY) and vanished from
    // GET /config; write-only secrets are tested on the Settings page (uplink password).
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.goto(`${rig.url}/#/bindings`);
    const ttl = 'section[data-binding="ingest"] input[name="tokenTtlS"]';
    // A running binding's options are folded away.
    await page.click('section[data-binding="ingest"] summary');
    await page.waitForSelector(ttl);
    assert.notEqual(await page.getAttribute(ttl, 'placeholder'), 'unchanged (write-only)');
    assert.match(await saveBinding(page, 'ingest'), /Nothing changed/);
    await page.fill(ttl, '7200');
    assert.match(await saveBinding(page, 'ingest'), /^Applied now: bindings\.ingest\. ingest is running\.$/);
    assert.equal(rig.gw.config.bindings['ingest']?.['tokenTtlS'], 7200);
    assert.deepEqual((await rig.admin.get<{ bindings: Record<string, unknown> }>('/config')).body.bindings['ingest'], { enabled: true, tokenTtlS: 7200 });
    await page.reload();
    await page.click('section[data-binding="ingest"] summary');
    await page.waitForSelector(ttl);
    assert.equal(await page.inputValue(ttl), '7200');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a viewer is told that admins configure bindings', async () => {
    const page = await rig.viewerOn('#/bindings', '#bindings-note');
    assert.match(await page.locator('#bindings-note').textContent() ?? '', /Role viewer does not configure bindings/);
    assert.equal(await page.$('section[data-binding="zigbee"]'), null);
    await page.close();
  });
});
