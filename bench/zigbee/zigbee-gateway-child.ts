/**
 * Child process of the Zigbee fleet benchmark (so that its RSS is the gateway's alone): starts a
 * gateway, with or without the Zigbee binding, and prints JSON lines with its figures, each taken
 * after forced garbage collections.
 * argv: mode (`plain` | `zigbee` | `all-definitions`), coordinator URL, device count, what to wait
 * for (`configured`: every device configured; `settled`: identified, and configure attempts over),
 * and a path prefix for heap snapshots at `network` and `identified` (optional).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

// tsx turns source maps on; the gateway's bundle runs without. With them on, Node keeps the map of
// every module that names one (herdsman's and the converters' .js.map files) and parses those of
// the frames in each logged stack trace: megabytes that the appliance does not carry.
process.setSourceMapsEnabled(false);
const { startTestGateway } = await import('../../test/helpers/gateway.js');

const [mode = 'plain', url = '', countArg = '0', waitFor = 'configured', snapshotPrefix = ''] = process.argv.slice(2);
const count = Number(countArg);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects twice with a turn of the event loop between: what a caller dropped late is freed too. */
async function settledGc(): Promise<void> {
  global.gc?.();
  await pause(50);
  global.gc?.();
}

async function say(o: Record<string, unknown>, snapshot?: string): Promise<void> {
  await settledGc();
  const m = process.memoryUsage();
  // RSS beyond the live heap: V8's reserved pages (young generation above all) and native memory.
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((sp) => [sp.space_name.replace(/_space$/, ''), +(sp.space_size / 1e6).toFixed(1)]));
  console.log(JSON.stringify({ ...o, rssMb: m.rss / 1e6, heapMb: m.heapUsed / 1e6, heapTotalMb: m.heapTotal / 1e6, externalMb: m.external / 1e6, spaces }));
  if (snapshot && snapshotPrefix) writeHeapSnapshot(`${snapshotPrefix}-${snapshot}.heapsnapshot`);
}

if (mode === 'all-definitions') {
  const require = createRequire(import.meta.url);
  await say({ phase: 'before' });
  const zhc = require('zigbee-herdsman-converters') as { prepareDefinition: (d: unknown) => unknown };
  const dir = join(dirname(require.resolve('zigbee-herdsman-converters')), 'devices');
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.js'))) {
    for (const d of (require(join(dir, f)) as { definitions?: unknown[] }).definitions ?? []) {
      zhc.prepareDefinition(d);
      n++;
    }
  }
  await say({ phase: 'loaded', definitions: n });
  process.exit(0);
}

const t0 = performance.now();
const bindings = mode === 'zigbee'
  ? { zigbee: { enabled: true, port: url, reconnectDelayMs: 500, configureRetryDelayMs: 200 } }
  : {};
const gw = await startTestGateway({ bindings: { system: { enabled: false }, ...bindings } });
await say({ phase: 'started', ms: performance.now() - t0 }, 'started');
if (mode === 'zigbee') {
  const coord = 'urn:roost:zigbee:coordinator';
  while (gw.hub.bindingStatuses()['zigbee']?.state !== 'running') await pause(20);
  await say({ phase: 'network', ms: performance.now() - t0 }, 'network');
  const v = gw.hub.invokeAction(coord, 'permitJoin', { durationS: 254 });
  await gw.hub.waitForAction(v.id, 10000);
  console.log(JSON.stringify({ phase: 'joining' }));
  const t1 = performance.now();
  const deadline = Date.now() + 180000;
  let attempts = -1;
  let steadySince = Date.now();
  for (;;) {
    const c = gw.hub.bindingStatuses()['zigbee']?.counters ?? {};
    const identified = gw.hub.listThings({ limit: 1000 }).items.filter((t) => t.binding === 'zigbee' && !t.nativeTd.title.includes('(interview') && t.deviceId !== 'coordinator').length;
    const tried = (c['configured'] ?? 0) + (c['configureFailures'] ?? 0);
    if (tried !== attempts) steadySince = Date.now();
    attempts = tried;
    if (identified >= count && (waitFor === 'settled' ? Date.now() - steadySince > 3000 : (c['configured'] ?? 0) >= count)) break;
    if (Date.now() > deadline) {
      await say({ phase: 'timeout', identified, counters: c });
      break;
    }
    await pause(50);
  }
  const ms = performance.now() - t1;
  // The binding releases the converters' vendor files a while after its last lookup: measure after.
  const { RELEASE_DELAY_MS } = await import('../../bindings/zigbee/converter-definitions.js');
  await pause(RELEASE_DELAY_MS + 1000);
  await say({ phase: 'identified', ms, counters: gw.hub.bindingStatuses()['zigbee']?.counters }, 'identified');
}
await gw.stop();
process.exit(0);
