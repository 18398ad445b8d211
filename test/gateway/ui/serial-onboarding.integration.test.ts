/**
 * Issue 16's "Done when", in headless Chromium: on a gateway whose serial binding is off and whose
 * onboarding asks for approval, an admin enables the serial binding from the Bindings page (its
 * port typed into the form generated from the binding's schema), a firmware-sim MCU on the other
 * end of a socat pty pair says hello and shows up as pending on the Devices page, the admin
 * approves it there, and the thing then shows its value on its page. Nothing but the browser
 * drives the gateway. Fails, never skips, when Chromium or socat is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SerialMcu } from '../../../firmware-sim/serial/index.js';
import { attachMcu, until } from '../../bindings/serial/serial-rig.js';
import { SocatPair } from '../../bindings/serial/socat-pair.js';
import { logIn, pageErrors, saveBinding, startUiRig, type UiRig } from '../../helpers/chromium.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';

const THING = 'urn:roost:serial:greenhouse-1';

describe('an admin enables the serial binding and approves a device entirely from the web UI', { timeout: 120_000 }, () => {
  const pty = new SocatPair();
  let rig: UiRig;
  let mcu: SerialMcu | undefined;

  before(async () => {
    await pty.plug();
    rig = await startUiRig({ onboarding: { defaultPolicy: 'approve' } });
  });

  after(async () => {
    mcu?.detach();
    await rig?.stop();
    await pty.close();
  });

  it('enables serial with its port, sees the MCU pending, approves it, and reads its value', async () => {
    assert.equal(rig.gw.binding('serial'), undefined, 'the serial binding starts off');
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);

    await page.click('#nav a[data-route="bindings"]');
    const serial = 'section[data-binding="serial"]';
    await page.waitForSelector(`${serial} form`);
    assert.equal(await page.isChecked(`${serial} input[data-role="enabled"]`), false);
    await page.check(`${serial} input[data-role="enabled"]`);
    await page.click(`${serial} button[data-add="ports"]`);
    await page.fill(`${serial} input[name="ports.0.path"]`, pty.gatewayPath);
    // Right after the start the port may still be opening: the state the page reads next says running.
    assert.match(await saveBinding(page, 'serial', 20_000), /^Applied now: bindings\.serial\. serial is (running|absent \(.*: opening\))\.$/);
    await page.waitForSelector(`${serial} .binding-state [data-state="running"]`, { timeout: 15_000 });
    // Only what the admin typed is saved; every other option keeps its schema default.
    assert.deepEqual((await rig.admin.get<{ bindings: Record<string, unknown> }>('/config')).body.bindings['serial'], { enabled: true, ports: [{ path: pty.gatewayPath }] });
    const binding = rig.gw.binding('serial');
    await until(() => binding?.status().gauges?.['portsOpen'] === 1, 5000, 'the pty open');

    mcu = await attachMcu(pty.devicePath, { fw: '1.0.0', units: [{ unit: 0, id: 'greenhouse-1', description: { t: 'Greenhouse', p: { temp: { u: 'Cel' } } } }] });
    await page.click('#nav a[data-route="devices"]');
    const pending = `#pending-body tr[data-id="${THING}"]`;
    await page.waitForSelector(pending, { timeout: 15_000 });
    assert.match(await page.textContent(pending) ?? '', /serial hello on .*gw unit 0/);
    assert.equal(rig.gw.hub.listThings({ limit: 100 }).items.some((t) => t.id === THING), false, 'no thing while pending');
    await page.click(`${pending} button.approve`);
    await page.waitForSelector(pending, { state: 'detached' });
    await page.waitForSelector(`#devices-body tr[data-id="${THING}"][data-state="approved"]`);

    await until(() => rig.gw.hub.listThings({ limit: 100 }).items.some((t) => t.id === THING), 8000, 'the unit registered');
    await mcu.telemetry(0, { temp: 21.5 });
    await page.click('#nav a[data-route="things"]');
    await page.click(`#things-body tr[data-id="${THING}"] a`);
    await page.locator('tr[data-property="temp"] td.value', { hasText: '21.5' }).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
});
