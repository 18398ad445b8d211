/**
 * Child process of the Zigbee fleet benchmark (so that its RSS is the gateway's alone): starts a
 * gateway, with or without the Zigbee binding, and prints JSON lines with its figures.
 * argv: mode (`plain` | `zigbee` | `all-definitions`), coordinator URL, device count.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startTestGateway } from '../../test/helpers/gateway.js';

const [mode = 'plain', url = '', countArg = '0'] = process.argv.slice(2);
const count = Number(countArg);
const say = (o: Record<string, unknown>) => console.log(JSON.stringify({ ...o, rssMb: process.memoryUsage.rss() / 1e6 }));

if (mode === 'all-definitions') {
  const require = createRequire(import.meta.url);
  say({ phase: 'before' });
  const zhc = require('zigbee-herdsman-converters') as { prepareDefinition: (d: unknown) => unknown };
  const dir = join(dirname(require.resolve('zigbee-herdsman-converters')), 'devices');
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.js'))) {
    for (const d of (require(join(dir, f)) as { definitions?: unknown[] }).definitions ?? []) {
      zhc.prepareDefinition(d);
      n++;
    }
  }
  global.gc?.();
  say({ phase: 'loaded', definitions: n });
  process.exit(0);
}

const t0 = performance.now();
const bindings = mode === 'zigbee'
  ? { zigbee: { enabled: true, port: url, reconnectDelayMs: 500, configureRetryDelayMs: 200 } }
  : {};
const gw = await startTestGateway({ bindings: { system: { enabled: false }, ...bindings } });
say({ phase: 'started', ms: performance.now() - t0 });
if (mode === 'zigbee') {
  const coord = 'urn:roost:zigbee:coordinator';
  for (;;) {
    if (gw.hub.bindingStatuses()['zigbee']?.state === 'running') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  say({ phase: 'network', ms: performance.now() - t0 });
  const v = gw.hub.invokeAction(coord, 'permitJoin', { durationS: 254 });
  await gw.hub.waitForAction(v.id, 10000);
  say({ phase: 'joining' });
  const t1 = performance.now();
  const deadline = Date.now() + 120000;
  for (;;) {
    const s = gw.hub.bindingStatuses()['zigbee'];
    const identified = gw.hub.listThings({ limit: 1000 }).items.filter((t) => t.binding === 'zigbee' && !t.nativeTd.title.includes('(interview') && t.deviceId !== 'coordinator').length;
    if (identified >= count && (s?.counters['configured'] ?? 0) >= count) break;
    if (Date.now() > deadline) {
      say({ phase: 'timeout', identified, configured: s?.counters['configured'] });
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  global.gc?.();
  say({ phase: 'identified', ms: performance.now() - t1, heapMb: process.memoryUsage().heapUsed / 1e6, counters: gw.hub.bindingStatuses()['zigbee']?.counters });
}
await gw.stop();
process.exit(0);
