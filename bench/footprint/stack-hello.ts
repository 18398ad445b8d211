/**
 * The floor under the gateway's start and memory (issue 20): its third-party stack and nothing
 * of its own, bundled and started as fastify-hello.ts is. fastify with a pino logger answering
 * /healthz, a better-sqlite3 database in WAL mode (the native addon loaded, a file opened), an
 * aedes broker on a TCP port and a UDP socket where CoAP would listen. What the gateway costs
 * beyond this row is its own code: its modules, its validators, its start-up work.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const dir = mkdtempSync(join(tmpdir(), 'roost-stack-hello-'));
const db = new Database(join(dir, 'hello.db'));
// The benchmark stops this process with SIGTERM: its database goes with it.
process.once('SIGTERM', () => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT)');
db.prepare('INSERT OR REPLACE INTO t VALUES (?, ?)').run('started', new Date().toISOString());

const broker = await Aedes.createBroker();
const mqtt = createServer(broker.handle);
await new Promise<void>((resolve) => mqtt.listen(0, '127.0.0.1', resolve));
const coap = createSocket('udp4');
await new Promise<void>((resolve) => coap.bind(0, '127.0.0.1', resolve));

const app = Fastify({ logger: { level: 'info' } });
app.get('/healthz', async () => ({ status: 'ok', rows: (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n }));
// fastify's logger prints the "Server listening at" line the benchmarks wait for.
await app.listen({ host: '127.0.0.1', port: 0 });
