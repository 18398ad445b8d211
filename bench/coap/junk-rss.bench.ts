/**
 * Memory under junk: 60 s (BENCH_JUNK_MS) of malformed CBOR, invalid SenML, unknown endpoints,
 * oversized bodies, broken datagrams and a registration flood against the CoAP binding, with RSS
 * and heap printed every 10 s. Flat RSS means the dedup cache, block transfers and rate limiter
 * stay bounded.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { CoapBinding } from '../../bindings/coap/coap-binding.js';
import { encodeMessage } from '../../bindings/coap/coap-message.js';
import { startTestGateway, tempDir } from '../../test/helpers/gateway.js';

const DURATION_MS = Number(process.env['BENCH_JUNK_MS'] ?? 60000);

const JUNK: ReadonlyArray<(mid: number) => Buffer> = [
  (mid) => encodeMessage({ type: 'CON', code: '0.02', mid, uriPath: ['t', 'junk1'], contentFormat: 112, payload: Buffer.from('9f01', 'hex') }),
  (mid) => encodeMessage({ type: 'NON', code: '0.02', mid, uriPath: ['t', 'junk1'], contentFormat: 112, payload: Buffer.from('a10102', 'hex') }),
  (mid) => encodeMessage({ type: 'CON', code: '0.02', mid, uriPath: ['t', `nobody${mid}`], contentFormat: 60, payload: Buffer.from('a0', 'hex') }),
  (mid) => encodeMessage({ type: 'CON', code: '0.02', mid, uriPath: ['t', 'junk1'], contentFormat: 112, payload: Buffer.alloc(1200, 0x41) }),
  (mid) => Buffer.from([0x40 | (mid & 0x0f), 0x01, mid >> 8, mid & 0xff, 0xff, 0xff]),
  (mid) => encodeMessage({ type: 'CON', code: '0.02', mid, uriPath: ['rd'], uriQuery: [`ep=flood${mid}`], contentFormat: 40, payload: Buffer.from('</x>;rt="roost.p"') }),
  (mid) => encodeMessage({ type: 'CON', code: '0.02', mid, uriPath: ['t', 'junk1'], block1: { num: mid % 7, more: true, szx: 2 }, payload: Buffer.alloc(64) }),
];

export async function run(): Promise<void> {
  const dataDir = tempDir('roost-bench-junk-');
  const gw = await startTestGateway({ bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, maxPayloadBytes: 1024, registrationsPerMinutePerAddress: 10 } } }, { dataDir });
  const coap = gw.binding('coap') as CoapBinding;
  const port = coap.listening!.port;
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  s.send(encodeMessage({ type: 'CON', code: '0.02', mid: 1, uriPath: ['rd'], uriQuery: ['ep=junk1'], contentFormat: 40, payload: Buffer.from('</temp>;rt="roost.p"') }), port, '127.0.0.1');
  let sent = 0;
  let answers = 0;
  s.on('message', () => answers++);
  const t0 = Date.now();
  const samples: string[] = [];
  const sample = () => {
    const m = process.memoryUsage();
    samples.push(`t=${String(Math.round((Date.now() - t0) / 1000)).padStart(3)}s  rss ${Math.round(m.rss / 1e6)} MB  heap ${Math.round(m.heapUsed / 1e6)} MB  sent ${sent}  answers ${answers}`);
    console.log(samples[samples.length - 1]);
  };
  sample();
  const sampler = setInterval(sample, Math.min(10000, DURATION_MS / 6));
  let mid = 2;
  while (Date.now() - t0 < DURATION_MS) {
    // Bursts of 200 datagrams, then a turn of the event loop, so the server keeps up.
    for (let i = 0; i < 200; i++) {
      mid = (mid + 1) & 0xffff;
      s.send(JUNK[mid % JUNK.length]!(mid), port, '127.0.0.1');
      sent++;
    }
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 2));
  }
  clearInterval(sampler);
  sample();
  const st = coap.status();
  console.log(`counters: ${JSON.stringify(st.counters)}`);
  console.log(`gauges: ${JSON.stringify(st.gauges)}`);
  s.close();
  await gw.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
