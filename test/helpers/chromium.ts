/**
 * Headless Chromium for the web UI tests (a real peer nobody here wrote), through playwright-core:
 * Debian's /usr/bin/chromium with the flags this machine's closed network needs, a fresh profile
 * removed on close, and the login every UI test starts with. Fails, never skips, when Chromium is
 * missing (`make setup` installs it).
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ApiClient } from './api-client.js';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './gateway.js';
import { tempDir } from './temp-dir.js';

export const CHROMIUM = '/usr/bin/chromium';
// No background fetches, no QUIC, no sandbox as root.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Upper bound of any one wait for the page. */
export const WAIT_MS = 8000;

export interface Chromium {
  browser: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1400, height: 900 }): Promise<Chromium> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run make setup (it installs the Debian package chromium)`);
  const profile = tempDir('roost-chromium-');
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport });
  browser.setDefaultTimeout(WAIT_MS);
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Logs in through the UI's form and waits for `ready` (the things list by default). */
export async function logIn(page: Page, base: string, username: string, password: string, ready = '#things-body'): Promise<void> {
  await page.goto(`${base}/`);
  await page.fill('#login-user', username);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.waitForSelector(ready);
}

/** The read-only user UI tests log in as. */
export const VIEWER = { username: 'watcher', password: 'viewer-pass-1' } as const;

/** Creates VIEWER on a gateway through its API (`admin` is an admin's client). */
export async function addViewer(admin: ApiClient): Promise<void> {
  const r = await admin.send('POST', '/users', { username: VIEWER.username, password: VIEWER.password, role: 'viewer' });
  assert.equal(r.status, 201, `creating ${VIEWER.username}: ${JSON.stringify(r.body)}`);
}

/** Collects the page's uncaught errors and console errors; a refused call's 4xx is left out (the page shows those). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text()); });
  return errors;
}

/** A test gateway with the VIEWER user, an admin's API client and a Chromium to drive its UI. */
export interface UiRig {
  gw: TestGateway;
  admin: ApiClient;
  chrome: Chromium;
  /** The gateway's HTTP base URL. */
  url: string;
  newPage(): Promise<Page>;
  /** A page logged in as VIEWER on `route` (`#/users`), once `ready` shows. */
  viewerOn(route: string, ready: string): Promise<Page>;
  stop(): Promise<void>;
}

export async function startUiRig(config: Record<string, unknown> = {}, opts: TestGatewayOptions = {}): Promise<UiRig> {
  const gw = await startTestGateway(config, opts);
  const url = gw.httpUrl!;
  let admin: ApiClient;
  let chrome: Chromium;
  try {
    admin = await ApiClient.login(url);
    await addViewer(admin);
    chrome = await launchChromium();
  } catch (err) {
    await gw.stop();
    throw err;
  }
  const browser = chrome.browser;
  return {
    gw, admin, chrome, url,
    newPage: () => browser.newPage(),
    async viewerOn(route, ready) {
      const page = await browser.newPage();
      await logIn(page, url, VIEWER.username, VIEWER.password);
      await page.goto(`${url}/${route}`);
      await page.waitForSelector(ready);
      return page;
    },
    async stop() {
      await chrome.close();
      await gw.stop();
    },
  };
}

/** Clicks Save on a config form's card (Bindings, Settings); answers what the page then says (the gateway's answer or error). */
export async function saveForm(page: Page, card: string, timeoutMs = WAIT_MS): Promise<string> {
  await page.click(`${card} button[data-role="save"]`);
  const result = page.locator(`${card} [data-role="result"]`);
  await result.filter({ hasNotText: 'Saving…' }).filter({ hasText: /./ }).waitFor({ timeout: timeoutMs });
  return (await result.textContent()) ?? '';
}

/** saveForm on a binding's card of the Bindings page. */
export const saveBinding = (page: Page, name: string, timeoutMs = WAIT_MS): Promise<string> => saveForm(page, `section[data-binding="${name}"]`, timeoutMs);
