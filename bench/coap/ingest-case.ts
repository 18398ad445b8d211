/**
 * The server side of one CoAP ingest benchmark case, in a process of its own (forked by
 * ingest.bench.ts, which runs the load client and the MQTT subscriber): no case inherits another's
 * heap (node-coap's response cache keeps ~4 KB per request for 247 s, FACTS.md), and the CPU time
 * measured here is the server's alone.
 *
 * Protocol over the IPC channel: the child sends `{ port, mqttUrl? }` once listening; the parent
 * sends 'start' (CPU baseline taken) and later 'stop'; the child answers with a CaseReport and exits.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'coap';
import type { CoapBinding } from '../../bindings/coap/coap-binding.js';
import { decodeSenmlCbor } from '../../protocols/senml/index.js';
import { startTestGateway, tempDir } from '../../test/helpers/gateway.js';

export type CaseName = 'echo' | 'node-coap' | 'roost' | 'roost-ack-early';

export interface CaseReady {
  port: number;
  mqttUrl?: string;
}

export interface CaseReport {
  /** User + system CPU time of the server process between 'start' and 'stop'. */
  cpuUs: number;
  rssMb: number;
  /** Roost only. */
  readings?: number;
  historyRows?: number;
  /** History transactions committed. */
  historyBatches?: number;
  /** System (kernel) part of cpuUs. */
  systemUs?: number;
  busDropped?: number;
  exchanges?: number;
}

interface Server {
  ready: CaseReady;
  stats(): Partial<CaseReport>;
  close(): Promise<void>;
}

async function echo(): Promise<Server> {
  const s = createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return { ready: { port: s.address().port }, stats: () => ({}), close: async () => void s.close() };
}

async function nodeCoap(): Promise<Server> {
  const server = createServer((req, res) => {
    decodeSenmlCbor(req.payload);
    res.code = '2.04';
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
  return { ready: { port }, stats: () => ({}), close: async () => void server.close() };
}

/**
 * The gateway as `roost start` runs it (CoAP binding, hub, SQLite history with synchronous=FULL,
 * MQTT broker), on port 0. `ackEarly` answers before the group commit, as the gateway did before
 * acknowledge-after-commit: the baseline of that change's cost, measured in the same run. It is
 * made here by replacing the store's commit barrier; the product has no such switch.
 */
async function roost(ackEarly = false): Promise<Server> {
  const dataDir = tempDir('roost-bench-coap-');
  const gw = await startTestGateway({ store: { synchronous: 'full' }, bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0 } } }, { dataDir });
  if (ackEarly) gw.hub.historyStore.committed = () => Promise.resolve();
  const coap = gw.binding('coap') as CoapBinding;
  if (!gw.mqttUrl) throw new Error('the gateway serves no MQTT: the benchmark needs its subscriber');
  return {
    ready: { port: coap.listening!.port, mqttUrl: gw.mqttUrl },
    stats: () => {
      const hub = gw.hub.counters();
      const st = coap.status();
      return { readings: st.counters['readings'] ?? 0, historyRows: hub.historyRowsWritten, historyBatches: gw.hub.historyStore.batches, busDropped: hub.busDropped, exchanges: st.gauges?.['exchanges'] ?? 0 };
    },
    close: async () => {
      await gw.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const SERVERS: Record<CaseName, () => Promise<Server>> = { echo, 'node-coap': nodeCoap, roost: () => roost(), 'roost-ack-early': () => roost(true) };

const name = process.argv[2] as CaseName;
const make = SERVERS[name];
if (!make || !process.send) throw new Error('ingest-case.ts is forked by ingest.bench.ts with <echo|node-coap|roost|roost-ack-early>');
const server = await make();
let cpu0 = process.cpuUsage();
process.on('message', (msg) => {
  if (msg === 'start') {
    cpu0 = process.cpuUsage();
    return;
  }
  if (msg !== 'stop') return;
  const cpu = process.cpuUsage(cpu0);
  const report: CaseReport = { cpuUs: cpu.user + cpu.system, systemUs: cpu.system, rssMb: process.memoryUsage().rss / 1e6, ...server.stats() };
  process.send!(report, () => {
    void server.close().then(() => process.exit(0));
  });
});
process.send(server.ready);
