/**
 * The Users page in headless Chromium against a real gateway: an admin creates users (with a typed
 * password, and with one the page makes and shows once), changes a role, resets a password (the
 * old one stops working), deletes with a confirming second click, and sees a bad name refused with
 * the typed error; a viewer is told admins manage users. Every effect is checked through the API.
 * Fails, never skips, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { codeOf } from '../../helpers/api-client.js';
import { logIn, pageErrors, startUiRig, VIEWER, type UiRig } from '../../helpers/chromium.js';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';

describe('Users page in headless Chromium', { timeout: 90_000 }, () => {
  let rig: UiRig;
  before(async () => {
    rig = await startUiRig();
  });
  after(() => rig?.stop());

  const row = (name: string) => `#users-body tr[data-user="${name}"]`;
  /** Waits for the note to say `what` and answers its text. */
  const noteSays = async (page: Page, what: RegExp): Promise<string> => {
    await page.locator('#users-note', { hasText: what }).waitFor();
    return (await page.textContent('#users-note')) ?? '';
  };
  const shownPassword = (note: string): string => {
    const m = /Its password is (\S+) \(shown once\)/.exec(note);
    assert.ok(m, `a password in the note: ${note}`);
    return m[1]!;
  };
  const canLogIn = async (username: string, password: string): Promise<boolean> => {
    const r = await fetch(`${rig.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    return r.status === 200;
  };

  it('an admin creates, changes the role of, resets the password of and deletes users', async () => {
    const page = await rig.newPage();
    const errors = pageErrors(page);
    await logIn(page, rig.url, 'admin', TEST_ADMIN_PASSWORD);
    await page.click('#nav a[data-route="users"]');
    await page.waitForSelector(`${row('admin')}[data-role="admin"]`);
    assert.match(await page.textContent(row('admin')) ?? '', /admin\s*you/);
    await page.waitForSelector(`${row(VIEWER.username)}[data-role="viewer"]`);

    // A typed password.
    await page.fill('#new-user-name', 'ops');
    await page.fill('#new-user-password', 'ops-password-1');
    await page.selectOption('#new-user-role', 'operator');
    await page.click('#new-user-submit');
    await page.waitForSelector(`${row('ops')}[data-role="operator"]`);
    assert.doesNotMatch(await noteSays(page, /User ops created/), /shown once/);
    assert.equal(await canLogIn('ops', 'ops-password-1'), true);

    // No password typed: the page makes one and shows it once.
    await page.fill('#new-user-name', 'grafana');
    await page.click('#new-user-submit');
    const made = shownPassword(await noteSays(page, /User grafana created/));
    assert.equal((await rig.admin.get<{ role: string }>('/users/grafana')).body.role, 'viewer');
    assert.equal(await canLogIn('grafana', made), true);

    await page.selectOption(`${row('ops')} select.role`, 'agent');
    await page.waitForSelector(`${row('ops')}[data-role="agent"]`);
    assert.equal((await rig.admin.get<{ role: string }>('/users/ops')).body.role, 'agent');

    // Reset: typed, then made here; each time the previous password stops working.
    await page.fill(`${row('ops')} input.reset-password`, 'ops-password-2');
    await page.click(`${row('ops')} button.reset`);
    await noteSays(page, /Password of ops reset/);
    assert.equal(await canLogIn('ops', 'ops-password-1'), false);
    assert.equal(await canLogIn('ops', 'ops-password-2'), true);
    await page.click(`${row('ops')} button.reset`);
    const reset = shownPassword(await noteSays(page, /Password of ops reset.*shown once/));
    assert.equal(await canLogIn('ops', 'ops-password-2'), false);
    assert.equal(await canLogIn('ops', reset), true);

    // Delete asks for a second click.
    await page.click(`${row('grafana')} button.delete`);
    assert.equal(await page.textContent(`${row('grafana')} button.delete`), 'Really delete?');
    assert.equal((await rig.admin.get('/users/grafana')).status, 200);
    await page.click(`${row('grafana')} button.delete`);
    await page.waitForSelector(row('grafana'), { state: 'detached' });
    assert.equal(codeOf(await rig.admin.get('/users/grafana')), 'ROOST_ERR_USER_NOT_FOUND');

    // What the API refuses, with its typed error.
    await page.fill('#new-user-name', 'bad name');
    await page.fill('#new-user-password', 'another-pass-1');
    await page.click('#new-user-submit');
    await noteSays(page, /ROOST_ERR_BAD_REQUEST/);
    await page.click(`${row('admin')} button.delete`);
    await page.click(`${row('admin')} button.delete`);
    await noteSays(page, /ROOST_ERR_CONFLICT: admin is the last admin/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a viewer is told that admins manage users', async () => {
    const page = await rig.viewerOn('#/users', '#users-note');
    assert.match(await page.locator('#users-note').textContent() ?? '', /Role viewer does not manage users/);
    assert.equal(await page.$('#users-body'), null);
    await page.close();
  });
});
