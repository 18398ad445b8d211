/**
 * The fleet's HTML report as a pure function of the JSON report: one page with no script and
 * nothing to load, a plot per figure with one mark per datum, text escaped, and a note instead
 * of an empty plot. svg-plot's ticks and quantiles by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addHistoryCheck, type FleetReport, type KindReport } from '../../../firmware-sim/fleet/report.js';
import { PLOT_IDS, reportHtml } from '../../../firmware-sim/fleet/report-html.js';
import { niceTicks, quantile } from '../../../firmware-sim/fleet/svg-plot.js';

const traffic = (wakes: number, up: number, down: number) => ({ wakes, datagramsUp: wakes, bytesUp: up, datagramsDown: wakes, bytesDown: down });
const energy = (days: number) => ({ radioOnMsPerWake: 27, bytesUpPerWake: 50, bytesDownPerWake: 9, chargeMah: 0.01, averageCurrentUa: 40, batteryLifeDays: days });

function kind(devices: number, extra: Partial<KindReport> = {}): KindReport {
  return { devices, wakes: 100, readingsSent: 100, readingsAcknowledged: 98, errors: 0, traffic: traffic(100, 5000, 900), ...extra };
}

function report(over: Partial<FleetReport> = {}): FleetReport {
  const device = (deviceId: string, k: string, days: number | null) => ({ deviceId, kind: k, wakes: 10, traffic: traffic(10, 500, 90), driftPpm: 0, depletedAtS: null, energy: days === null ? null : energy(days), errors: 0 });
  return {
    scenario: 'unit <script>alert(1)</script>', seed: 7, simulatedS: 600, completed: true, devices: 6,
    kinds: {
      'coap-sleepy-sensor': kind(3, { readingsStored: 98, energy: { ...energy(2900), shortestBatteryLifeDays: 2500, shortestLifeDevice: 's-1' } }),
      'zigbee-door-sensor': kind(1, { readingsSent: 0, readingsAcknowledged: 0, readingsStored: 0, energy: { ...energy(400), shortestBatteryLifeDays: 400, shortestLifeDevice: 'd-0' } }),
      'coap-actuator': kind(2, { traffic: traffic(100, 0, 0), readingsStored: 97 }),
    },
    actions: { sent: 4, refused: 0, deliveredOnce: 4, deliveredTwiceOrMore: 0, notDelivered: 0, unexpected: 0, states: { completed: 4 } },
    writes: { sent: 2, refused: 0, deliveredOnce: 1, deliveredTwiceOrMore: 0, notDelivered: 0, superseded: 1, states: { completed: 1, superseded: 1 } },
    invocations: [
      { key: 'a0.0', type: 'action', device: 's-0', kind: 'coap-sleepy-sensor', name: 'blink', atS: 5, state: 'completed', received: 1, latencyS: 4.2 },
      { key: 'a0.1', type: 'action', device: 's-0', kind: 'coap-sleepy-sensor', name: 'blink', atS: 35, state: 'completed', received: 1, latencyS: 9.1 },
      { key: 'a1.0', type: 'action', device: 'lamp-0', kind: 'coap-actuator', name: 'blink', atS: 7, state: 'completed', received: 1, latencyS: 0 },
      { key: 'a2.0', type: 'action', device: 'd-0', kind: 'zigbee-door-sensor', name: 'identify', atS: 9, state: 'completed', received: 1, latencyS: 12 },
      { key: 'w0.0', type: 'write', device: 's-1', kind: 'coap-sleepy-sensor', name: 'interval', atS: 20, state: 'superseded', received: 0, latencyS: null },
      { key: 'w1.0', type: 'write', device: 's-1', kind: 'coap-sleepy-sensor', name: 'interval', atS: 20, state: 'completed', received: 1, latencyS: 3 },
    ],
    historyCheck: { readingsChecked: 195, readingsMissing: 0, ok: true },
    faults: { lost: 12, duplicated: 5, reordered: 3, reboots: 1, depleted: 0 },
    perDevice: [device('s-0', 'coap-sleepy-sensor', 2900), device('s-1', 'coap-sleepy-sensor', 2500), device('s-2', 'coap-sleepy-sensor', 3100), device('d-0', 'zigbee-door-sensor', 400), device('lamp-0', 'coap-actuator', null), device('lamp-1', 'coap-actuator', null)],
    measured: { wallS: 12, simulatedPerWallS: 50, wakesPerS: 25, datagramsPerS: 60, rssMiB: 150, heapUsedMiB: 40, latencyWallMs: { count: 5, median: 12, p95: 40, max: 41 } },
    ...over,
  };
}

/** The section of one plot. */
function section(html: string, id: string): string {
  const m = new RegExp(`<section class="plot" data-plot="${id}">([\\s\\S]*?)</section>`).exec(html);
  assert.ok(m, `plot ${id}`);
  return m[1]!;
}

const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;

describe('fleet report as HTML', () => {
  it('is one page with no script and nothing to load', () => {
    const html = reportHtml(report());
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import/i);
    // The only URL is the SVG namespace (a name, never fetched).
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^"\s<]+/g))], ['http://www.w3.org/2000/svg']);
    assert.match(html, /<title>Fleet &#39;unit &#60;script&#62;alert\(1\)&#60;\/script&#62;&#39; \(seed 7\)<\/title>/);
  });

  it('draws every figure, one mark per datum', () => {
    const html = reportHtml(report());
    assert.deepEqual([...html.matchAll(/data-plot="([a-z-]+)"/g)].map((m) => m[1]), [...PLOT_IDS]);
    const battery = section(html, 'battery');
    assert.equal(count(battery, /class="mark box"/g), 2, 'a box per battery kind');
    assert.equal(count(battery, /class="mark point"/g), 4, 'a dot per battery device');
    assert.match(battery, /years/, 'lives over a year are shown in years');
    assert.match(battery, /coap-sleepy-sensor: 3 devices; min 6\.85, median 7\.95, max 8\.49 years/);
    assert.equal(count(section(html, 'radio-on'), /<rect class="mark"/g), 2, 'radio-on time of the two battery kinds');
    assert.equal(count(section(html, 'bytes'), /<rect class="mark"/g), 4, 'up and down of the two kinds that count bytes (not the actuator)');
    const latency = section(html, 'latency');
    assert.equal(count(latency, /class="mark line"/g), 3, 'a CDF per kind that received something');
    assert.equal(count(latency, /class="mark point"/g), 5, 'executed invocations only');
    assert.match(latency, /1 never executed/);
    assert.match(latency, /median 12 ms, 95th percentile 40 ms/);
    const readings = section(html, 'readings');
    assert.equal(count(readings, /<rect class="mark"/g), 6, 'sent, acknowledged, stored of the two kinds that sent readings');
    assert.match(readings, /195 of 195 checked/);
    assert.match(readings, /stored \(found in history\)/);
    const faults = section(html, 'faults');
    assert.equal(count(faults, /<rect class="mark"/g), 5);
    assert.match(faults, /datagrams lost, injected: 12 count/);
    assert.match(html, /property writes: 2 sent, 1 delivered exactly once, .*1 superseded/);
  });

  it('says what is missing instead of drawing an empty plot', () => {
    const r = report({
      kinds: { 'coap-actuator': kind(2, { traffic: traffic(100, 0, 0) }) },
      perDevice: [],
      invocations: [],
      historyCheck: undefined,
    });
    const html = reportHtml(r);
    assert.match(section(html, 'battery'), /<p class="empty">No battery-powered device in this run.<\/p>/);
    assert.doesNotMatch(section(html, 'battery'), /<svg/);
    assert.match(section(html, 'latency'), /No action or write reached a device/);
    assert.match(section(html, 'bytes'), /No device counted its bytes/);
    assert.match(section(html, 'readings'), /not checked against the gateway&#39;s history/);
    assert.equal(count(section(html, 'readings'), /<rect class="mark"/g), 2, 'sent and acknowledged only');
  });

  it('ticks are round numbers covering the range; quantiles interpolate', () => {
    assert.deepEqual(niceTicks(0, 8.7), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0, 2300), [0, 500, 1000, 1500, 2000, 2500]);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([5], 0.25), 5);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });

  it('the history check says stored readings per kind, and fails for readings only (an undelivered action is counted apart)', () => {
    const v = { ok: false, readingsChecked: 120, readingsMissing: 0, actionsChecked: 4, actionsNotExactlyOnce: 1, rejectedInHistory: 0, problems: [], storedPerKind: { 'coap-sleepy-sensor': 90, 'coap-actuator': 30 } };
    const r = addHistoryCheck(report({ historyCheck: undefined }), v);
    assert.deepEqual(r.historyCheck, { readingsChecked: 120, readingsMissing: 0, ok: true });
    assert.equal(r.kinds['coap-sleepy-sensor']?.readingsStored, 90);
    assert.equal(r.kinds['zigbee-door-sensor']?.readingsStored, 0);
    assert.equal(addHistoryCheck(report(), { ...v, readingsMissing: 2 }).historyCheck?.ok, false);
    assert.equal(addHistoryCheck(report(), { ...v, rejectedInHistory: 1 }).historyCheck?.ok, false);
  });
});
