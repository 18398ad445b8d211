/**
 * The Rules page in headless Chromium against a real gateway: an admin makes a threshold rule
 * field by field, the device crosses it and the row shows when it fired and why; a rule the
 * gateway refuses shows its typed error and nothing is stored; editing replaces the rule; a
 * failing rule shows its last error; disable and delete (with a second click) go through the API;
 * a viewer gets no rules. Fails, never skips, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { logIn, pageErrors, startUiRig, type UiRig } from '../../helpers/chromium.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';

type Rule = { id: string; enabled: boolean; trigger: Record<string, unknown>; status: { fires: number } };

describe('Rules page in headless Chromium', { timeout: 90_000 }, () => {
  const dev = new TestDeviceBinding('testdev', [{ deviceId: 'sensor', sleepy: false }]);
  const SENSOR = dev.thingId('sensor');
  let rig: UiRig;
  let page: Page;
  let errors: string[];

  before(async () => {
    rig = await startUiRig({}, { extraBindings: [dev] });
    page = await rig.newPage();
    errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.click('#nav a[data-route="rules"]');
    await page.waitForSelector('#rules-note:not(:text("Loading…"))');
  });
  after(async () => {
    await page?.close();
    await rig?.stop();
  });

  const rules = async (): Promise<Rule[]> => (await rig.admin.get<Rule[]>('/rules')).body;

  it('a threshold rule made in the form fires when the device crosses it; the row says when and why', async () => {
    await page.fill('#rule-id', 'too-warm');
    await page.fill('#rule-name', 'Too warm');
    await page.selectOption('#rule-trigger-type', 'threshold');
    await page.fill('#rule-trigger-thingId', SENSOR);
    await page.fill('#rule-trigger-property', 'temperature');
    await page.selectOption('#rule-trigger-direction', 'above');
    await page.fill('#rule-trigger-level', '30');
    await page.fill('#rule-trigger-hysteresis', '1');
    await page.fill('#rule-actions', '[{"type": "event"}, {"type": "mqtt"}]');
    await page.click('#rule-save');
    const row = '#rules-body tr[data-id="too-warm"]';
    await page.waitForSelector(row);
    assert.match(await page.textContent(`${row} td.trigger`) ?? '', /temperature of urn:roost:testdev:sensor above 30 \(±1\)/);
    assert.deepEqual((await rules()).find((r) => r.id === 'too-warm')?.trigger, { type: 'threshold', thingId: SENSOR, property: 'temperature', above: 30, hysteresis: 1 });
    assert.match(await page.textContent(`${row} td.fired`) ?? '', /never/);

    dev.ctx?.reportProperties(SENSOR, { temperature: 25 });
    dev.ctx?.reportProperties(SENSOR, { temperature: 31.5 });
    await page.waitForSelector(`${row} td.why:text("temperature of ${SENSOR} rose above 30: 31.5")`);
    assert.doesNotMatch(await page.textContent(`${row} td.fired`) ?? '', /never/);
    assert.match(await page.textContent(`${row} td.fired`) ?? '', /1 fired, 0 suppressed/);
  });

  it('a rule the gateway refuses shows the typed error, and nothing is stored', async () => {
    await page.fill('#rule-id', 'broken');
    await page.fill('#rule-name', 'No property');
    await page.selectOption('#rule-trigger-type', 'battery');
    await page.fill('#rule-actions', '[{"type": "webhook", "url": "ftp://nowhere"}]');
    await page.click('#rule-save');
    await page.waitForSelector('#rules-note.error');
    assert.match(await page.textContent('#rules-note') ?? '', /^ROOST_ERR_BAD_REQUEST: .*(below|url)/);
    assert.equal((await rules()).some((r) => r.id === 'broken'), false);
    await page.fill('#rule-actions', 'not json');
    await page.click('#rule-save');
    await page.waitForSelector('#rules-note:text("Actions are not JSON")');
  });

  it('Edit fills the form with the rule and Save replaces it', async () => {
    const row = '#rules-body tr[data-id="too-warm"]';
    await page.click(`${row} button[data-role="edit"]`);
    assert.equal(await page.inputValue('#rule-trigger-level'), '30');
    assert.equal(await page.isDisabled('#rule-id'), true);
    await page.fill('#rule-trigger-level', '40');
    await page.selectOption('#rule-trigger-direction', 'below');
    await page.click('#rule-save');
    await page.waitForSelector(`${row} td.trigger:text("below 40")`);
    const r = (await rules()).find((x) => x.id === 'too-warm');
    assert.deepEqual(r?.trigger, { type: 'threshold', thingId: SENSOR, property: 'temperature', below: 40, hysteresis: 1 });
  });

  it('a failing rule shows its last error', async () => {
    const made = await rig.admin.send('POST', '/rules', { id: 'fails', name: 'Fails', trigger: { type: 'event', thingId: SENSOR, event: 'button' }, actions: [{ type: 'invoke', thingId: 'urn:roost:testdev:gone', action: 'blink' }] });
    assert.equal(made.status, 201);
    dev.ctx?.emitEvent(SENSOR, 'button', 'pressed');
    const row = '#rules-body tr[data-id="fails"][data-failing="true"]';
    await page.waitForSelector(row);
    assert.match(await page.textContent(`${row} td.last-error`) ?? '', /invoke: no thing urn:roost:testdev:gone/);
    assert.equal(await page.getAttribute(`${row} td.last-error`, 'class'), 'error last-error');
  });

  it('Disable and Delete (a second click) go through the API', async () => {
    await page.click('#rules-body tr[data-id="fails"] button[data-role="toggle"]');
    await page.waitForSelector('#rules-body tr[data-id="fails"][data-enabled="false"]');
    assert.equal((await rules()).find((r) => r.id === 'fails')?.enabled, false);
    const del = '#rules-body tr[data-id="fails"] button[data-role="delete"]';
    await page.click(del);
    assert.equal(await page.textContent(del), 'Really delete?');
    assert.equal((await rules()).some((r) => r.id === 'fails'), true, 'one click deletes nothing');
    await page.click(del);
    await page.waitForSelector('#rules-body tr[data-id="fails"]', { state: 'detached' });
    assert.equal((await rules()).some((r) => r.id === 'fails'), false);
    assert.deepEqual(errors, []);
  });

  it('a viewer gets no rules', async () => {
    const viewer = await rig.viewerOn('#/rules', '#rules-note');
    assert.match(await viewer.textContent('#rules-note') ?? '', /Role viewer does not manage rules/);
    assert.equal(await viewer.$('#rules-body'), null);
    await viewer.close();
  });
});
