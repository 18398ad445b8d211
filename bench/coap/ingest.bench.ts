/**
 * SenML+CBOR ingest through the CoAP binding's whole pipeline (decode, twin, history, one
 * subscriber: MQTT when the gateway serves it, else a hub bus subscriber), NON and CON, side by
 * side with a raw UDP echo (the ceiling) and a plain node-coap server that only decodes (the peer).
 * Target: Roost >= 2x node-coap.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'coap';
import { encodeMessage } from '../../bindings/coap/coap-message.js';
import type { CoapBinding } from '../../bindings/coap/coap-binding.js';
import { decodeSenmlCbor, encodeSenmlCbor } from '../../protocols/senml/index.js';
import { startTestGateway, tempDir } from '../../test/helpers/gateway.js';
import { drive } from './load-client.js';

const DURATION_MS = Number(process.env['BENCH_COAP_MS'] ?? 4000);
const WINDOW = 64;
const PACK = encodeSenmlCbor([{ bn: 'bench1/', n: 'temp', u: 'Cel', v: 21.5 }, { n: 'hum', v: 40 }]);
const request = (type: 'CON' | 'NON', uriPath: string[]) => (mid: number) =>
  encodeMessage({ type, code: '0.02', mid, token: Buffer.from([mid >> 8, mid & 0xff]), uriPath, contentFormat: 112, payload: PACK });

async function echo(): Promise<{ port: number; close: () => void }> {
  const s = createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return { port: s.address().port, close: () => s.close() };
}

async function nodeCoap(): Promise<{ port: number; close: () => void }> {
  const server = createServer((req, res) => {
    decodeSenmlCbor(req.payload);
    res.code = '2.04';
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
  return { port, close: () => server.close() };
}

export async function run(): Promise<void> {
  const rows: Array<[string, number]> = [];
  const e = await echo();
  rows.push(['raw UDP echo (ceiling)', (await drive(e.port, request('NON', ['t', 'x']), { durationMs: DURATION_MS, window: WINDOW })).perSecond]);
  e.close();

  const nc = await nodeCoap();
  rows.push(['node-coap, decode only, NON', (await drive(nc.port, request('NON', ['t', 'x']), { durationMs: DURATION_MS, window: WINDOW })).perSecond]);
  rows.push(['node-coap, decode only, CON', (await drive(nc.port, request('CON', ['t', 'x']), { durationMs: DURATION_MS, window: WINDOW })).perSecond]);
  nc.close();

  const dataDir = tempDir('roost-bench-coap-');
  const gw = await startTestGateway({ bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0 } } }, { dataDir });
  const coap = gw.binding('coap') as CoapBinding;
  const port = coap.listening!.port;
  let delivered = 0;
  let subscriber = 'hub bus subscriber';
  let closeSub: () => Promise<void> = async () => undefined;
  if (gw.mqttUrl) {
    const { connectAsync } = await import('mqtt');
    const client = await connectAsync(gw.mqttUrl, { username: 'admin', password: process.env['ROOST_ADMIN_PASSWORD'] ?? 'test-admin-password-1' });
    await client.subscribeAsync('things/+/property/#');
    client.on('message', () => delivered++);
    subscriber = 'MQTT subscriber';
    closeSub = () => client.endAsync();
  } else {
    const sub = gw.hub.subscribe(() => {
      delivered++;
    });
    closeSub = async () => sub.unsubscribe();
  }
  await drive(port, () => encodeMessage({ type: 'CON', code: '0.02', mid: 1, uriPath: ['rd'], uriQuery: ['ep=bench1', 'b=U'], contentFormat: 40, payload: Buffer.from('</temp>;rt="roost.p";u="Cel",</hum>;rt="roost.p"') }), { durationMs: 100, window: 1 });
  const rssBefore = process.memoryUsage().rss;
  rows.push([`Roost full pipeline, NON (${subscriber})`, (await drive(port, request('NON', ['t', 'bench1']), { durationMs: DURATION_MS, window: WINDOW })).perSecond]);
  rows.push([`Roost full pipeline, CON (${subscriber})`, (await drive(port, request('CON', ['t', 'bench1']), { durationMs: DURATION_MS, window: WINDOW })).perSecond]);
  const st = coap.status();
  await closeSub();
  await gw.stop();
  rmSync(dataDir, { recursive: true, force: true });

  for (const [name, rate] of rows) console.log(`${name.padEnd(52)} ${Math.round(rate).toString().padStart(8)} msg/s`);
  const echoRate = rows[0]![1];
  const peerNon = rows[1]![1];
  const peerCon = rows[2]![1];
  const ourNon = rows[3]![1];
  const ourCon = rows[4]![1];
  console.log(`ratio Roost NON / node-coap NON: ${(ourNon / peerNon).toFixed(2)}x (target >= 2x)   Roost NON / echo: ${(ourNon / echoRate).toFixed(2)}x`);
  console.log(`ratio Roost CON / node-coap CON: ${(ourCon / peerCon).toFixed(2)}x (target >= 2x)   Roost CON / echo: ${(ourCon / echoRate).toFixed(2)}x`);
  console.log(`subscriber messages: ${delivered}; readings: ${st.counters['readings']}; exchanges gauge: ${st.gauges?.['exchanges']}; RSS +${Math.round((process.memoryUsage().rss - rssBefore) / 1e6)} MB`);
}
