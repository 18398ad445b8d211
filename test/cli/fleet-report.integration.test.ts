/**
 * `roost fleet --report FILE.html` against a gateway started apart, then the page in headless
 * Chromium (a peer nobody here wrote) opened from disk with every network request refused: each
 * plot has drawn marks of non-zero size, and the page asked for nothing. The run sends actions
 * and property writes over the HTTP API and checks readings against the gateway's history
 * through it. Fails, never skips, when /usr/bin/chromium is missing (`make setup` installs it).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { run } from '../../cli/commands/fleet.js';
import { PLOT_IDS } from '../../firmware-sim/fleet/report-html.js';
import { startTestGateway, tempDir, TEST_ADMIN_PASSWORD } from '../helpers/gateway.js';

const CHROMIUM = '/usr/bin/chromium';
// Needed on this machine's closed network (no background fetches, no QUIC, no sandbox as root).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = '/tmp/roost-fleet-report.png';

const SCENARIO = [
  'name: report',
  'seed: 9',
  'security: none', // plain CoAP here; test/cli/fleet.integration.test.ts runs the fleet with OSCORE
  'durationS: 120',
  'speed: 0',
  'devices:',
  '  - { kind: coap-sleepy-sensor, count: 6, idPrefix: s, wakeIntervalS: 10, wakeJitterS: 2, readings: { temp: { generator: random-walk, start: 20 } } }',
  '  - { kind: coap-actuator, count: 1, idPrefix: lamp, wakeIntervalS: 5, readings: { temp: { generator: constant, value: 23 } } }',
  'actions:',
  '  - { atS: 5, device: s-1, action: blink, input: { times: 1 }, repeatEveryS: 20, repeatCount: 5 }',
  '  - { atS: 8, device: lamp-0, action: blink, input: { times: 2 }, repeatEveryS: 30, repeatCount: 3 }',
  'writes:',
  '  - { atS: 12, device: s-4, property: interval, value: 60, repeatEveryS: 40, repeatCount: 2 }',
  'faults: { loss: 0.05, duplication: 0.05, reorder: 0.05, rebootPerWake: 0.02, batteryDepletion: { fraction: 0.2, remainingMah: 0.001 } }',
].join('\n');

describe('roost fleet --report FILE.html', { timeout: 120_000 }, () => {
  it('writes one page whose plots render in Chromium with no network', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run make setup (it installs the Debian package chromium)`);
    const dir = tempDir();
    const gw = await startTestGateway({ onboarding: { defaultPolicy: 'open' }, bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, registrationsPerMinutePerAddress: 100000, security: 'none' } } });
    const saved = process.env['ROOST_ADMIN_PASSWORD'];
    process.env['ROOST_ADMIN_PASSWORD'] = TEST_ADMIN_PASSWORD;
    try {
      const coapPort = (gw.binding('coap') as unknown as { listening: { port: number } }).listening.port;
      const scenario = join(dir, 'scenario.yaml');
      writeFileSync(scenario, SCENARIO);
      const page = join(dir, 'fleet report.html');
      const code = await run(['--scenario', scenario, '--gateway', new URL(gw.httpUrl!).host, '--coap-port', String(coapPort), '--report', page, '--quiet']);
      assert.equal(code, 0, 'every action and write delivered exactly once');
      const html = readFileSync(page, 'utf8');
      assert.match(html, /^<!doctype html>/);
      assert.match(html, /property writes: 2 sent, 2 delivered exactly once/);
      const checked = /\((\d+) of (\d+) checked\)/.exec(html);
      assert.ok(checked && Number(checked[2]) > 50 && checked[1] === checked[2], `readings stored as checked through the hub API: ${checked?.[0]}`);

      const profile = tempDir('roost-chromium-');
      const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 900, height: 1200 } });
      try {
        const requests: string[] = [];
        browser.on('request', (r) => requests.push(r.url()));
        await browser.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
        const tab = await browser.newPage();
        const url = pathToFileURL(page).href;
        await tab.goto(url);
        for (const id of PLOT_IDS) {
          const marks = await tab.$$eval(`section[data-plot="${id}"] svg .mark`, (els) => els.map((e) => {
            const b = e.getBoundingClientRect();
            return b.width > 0 || b.height > 0 ? 1 : 0;
          }));
          const drawn = marks.reduce<number>((n, x) => n + x, 0);
          assert.ok(drawn > 0, `plot ${id}: ${drawn} of ${marks.length} marks have a size`);
        }
        const points = await tab.$$eval('section[data-plot="battery"] svg circle.mark', (els) => els.length);
        assert.equal(points, 6, 'a dot per sleepy sensor');
        const latencyLines = await tab.$$eval('section[data-plot="latency"] svg path.mark', (els) => els.map((e) => e.getBoundingClientRect().height));
        assert.equal(latencyLines.length, 2, 'a CDF per kind that received actions');
        assert.ok(latencyLines.every((h) => h > 10), `CDF lines rise: ${latencyLines.join(', ')}`);
        await tab.screenshot({ path: SCREENSHOT, fullPage: true });
        assert.deepEqual(requests, [url], 'the page loads nothing but itself');
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    } finally {
      if (saved === undefined) delete process.env['ROOST_ADMIN_PASSWORD'];
      else process.env['ROOST_ADMIN_PASSWORD'] = saved;
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
