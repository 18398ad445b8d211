/**
 * Uplink (docs/uplink.md): everything against Debian's mosquitto 2.0 on 127.0.0.1, one
 * `mosquitto_sub -q 1` process counting the messages it prints.
 * - Throughput: MESSAGES events of 62 bytes through a gateway (in this process: a test binding
 *   emits them as fast as the hub takes them, the uplink sends them live at QoS 1) beside
 *   `mosquitto_pub -l -q 1` alone publishing as many 61-byte lines, in the same run; rate at the
 *   subscriber, first to last message; ratio Roost / mosquitto_pub.
 * - Replay: BACKLOG events recorded while the broker is stopped, then the broker started (and the
 *   subscriber with it, before the uplink's first reconnect, 0.5-1 s later): rate at the subscriber.
 * - Disk: bytes of roost.db (after a WAL checkpoint) per buffered message, and the backlog's own
 *   count of value, name and thing id bytes per message.
 * Bounded: MESSAGES and BACKLOG (env), every wait has a timeout.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { TestDeviceBinding } from '../../test/helpers/fake-device-binding.js';
import { startTestGateway, tempDir, type TestGateway } from '../../test/helpers/gateway.js';
import { startMosquitto, type Mosquitto } from '../../test/gateway/uplink/mosquitto-broker.js';
import { metrics } from '../../test/gateway/uplink/uplink-rig.js';

const MESSAGES = Number(process.env['BENCH_UPLINK_MESSAGES'] ?? 20000);
const BACKLOG = Number(process.env['BENCH_UPLINK_BACKLOG'] ?? 100000);
const TIMEOUT_MS = Number(process.env['BENCH_UPLINK_TIMEOUT_MS'] ?? 300000);
const USERS = { gateway: 'bench-gw-secret', app: 'bench-app-secret' };
const THING = 'urn:roost:benchup:s1';
const DATA = 'x'.repeat(60);

/** A subscriber process that counts the lines it prints and notes the first and last arrival. */
function subscriber(m: Mosquitto, topic: string) {
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(m.port), '-u', 'app', '-P', USERS.app, '-t', topic, '-q', '1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const s = { count: 0, firstAt: 0, lastAt: 0 };
  sub.stdout.on('data', (chunk: Buffer) => {
    let lines = 0;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    if (lines === 0) return;
    const now = performance.now();
    if (s.count === 0) s.firstAt = now;
    s.count += lines;
    s.lastAt = now;
  });
  return {
    s,
    async reach(n: number): Promise<number> {
      const end = performance.now() + TIMEOUT_MS;
      while (s.count < n && performance.now() < end) await sleep(50);
      return s.count / Math.max(0.001, (s.lastAt - s.firstAt) / 1000);
    },
    kill: () => sub.kill(),
  };
}

async function mosquittoPubAlone(m: Mosquitto): Promise<number> {
  const sub = subscriber(m, 'bench/pub');
  try {
    await sleep(500);
    const pub = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(m.port), '-u', 'app', '-P', USERS.app, '-t', 'bench/pub', '-q', '1', '-l'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const chunk = `m${DATA}\n`.repeat(1000);
    for (let sent = 0; sent < MESSAGES; sent += 1000) if (!pub.stdin.write(chunk)) await once(pub.stdin, 'drain');
    pub.stdin.end();
    return await sub.reach(MESSAGES);
  } finally {
    sub.kill();
  }
}

async function gateway(m: Mosquitto, dataDir: string, dev: TestDeviceBinding, reconnectMs: number): Promise<TestGateway> {
  return startTestGateway({
    mqtt: { enabled: false },
    uplink: { enabled: true, url: m.url, username: 'gateway', password: USERS.gateway, gatewayId: 'gwb', reconnectMinMs: reconnectMs, reconnectMaxMs: reconnectMs },
  }, { extraBindings: [dev], dataDir });
}

/** Emits n events as fast as the hub takes them (a turn of the event loop every 1000). */
async function emit(dev: TestDeviceBinding, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    dev.ctx?.emitEvent(THING, 'button', DATA);
    if (i % 1000 === 999) await tick();
  }
}

async function metric(gw: TestGateway, name: string): Promise<number> {
  const m = (await metrics(gw)).match(new RegExp(`^${name.replace(/[{}"=]/g, '\\$&')} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

/** Polls /metrics (its backlog count is a query over the backlog: not too often). */
async function waitFor(what: string, fn: () => Promise<boolean>): Promise<void> {
  const end = performance.now() + TIMEOUT_MS;
  while (!(await fn())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function dbBytes(dataDir: string): number {
  const db = new Database(join(dataDir, 'roost.db'));
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return statSync(join(dataDir, 'roost.db')).size;
}

export async function run(): Promise<void> {
  const m = await startMosquitto(USERS);
  try {
    const pubRate = await mosquittoPubAlone(m);

    const dev = new TestDeviceBinding('benchup', [{ deviceId: 's1', sleepy: false }]);
    let gw = await gateway(m, tempDir('roost-bench-uplink-'), dev, 100);
    const sub = subscriber(m, 'roost/gwb/things/+/event/button');
    let roostRate: number;
    try {
      await waitFor('uplink connected', async () => (await metric(gw, 'roost_uplink_connected')) === 1);
      await sleep(300);
      await emit(dev, MESSAGES);
      roostRate = await sub.reach(MESSAGES);
    } finally {
      sub.kill();
      await gw.stop();
    }
    console.log(`throughput, ${MESSAGES} QoS 1 messages to mosquitto 2.0, rate at one mosquitto_sub (first to last):`);
    console.log(`  mosquitto_pub -l alone  ${Math.round(pubRate).toString().padStart(7)} msgs/s`);
    console.log(`  Roost uplink (live)     ${Math.round(roostRate).toString().padStart(7)} msgs/s   ratio ${(roostRate / pubRate).toFixed(2)}x`);

    // The backlog: recorded while the broker is down, replayed when it is back.
    const dataDir = tempDir('roost-bench-backlog-');
    const dev2 = new TestDeviceBinding('benchup', [{ deviceId: 's1', sleepy: false }]);
    gw = await gateway(m, dataDir, dev2, 1000);
    try {
      await waitFor('uplink connected', async () => (await metric(gw, 'roost_uplink_connected')) === 1);
      await m.stop();
      await waitFor('uplink down', async () => (await metric(gw, 'roost_uplink_connected')) === 0);
      const before = dbBytes(dataDir);
      const t0 = performance.now();
      await emit(dev2, BACKLOG);
      await waitFor('backlog recorded', async () => (await metric(gw, 'roost_uplink_backlog_messages')) >= BACKLOG);
      const recordS = (performance.now() - t0) / 1000;
      const after = dbBytes(dataDir);
      const backlogBytes = await metric(gw, 'roost_uplink_backlog_bytes');
      await m.start();
      const replay = subscriber(m, 'roost/gwb/things/+/event/button');
      let replayRate: number;
      try {
        replayRate = await replay.reach(BACKLOG);
      } finally {
        replay.kill();
      }
      const replayS = BACKLOG / replayRate;
      console.log(`backlog of ${BACKLOG} events (62-byte data) recorded in ${recordS.toFixed(1)} s while the broker was down;`);
      console.log(`  replay at QoS 1 once it was back: ${replayS.toFixed(1)} s, ${Math.round(replayRate)} msgs/s at the subscriber (${(replayRate / pubRate).toFixed(2)}x mosquitto_pub alone)`);
      console.log(`  disk: roost.db grew ${((after - before) / BACKLOG).toFixed(1)} bytes per buffered message (the history row and its index); backlog payload ${(backlogBytes / BACKLOG).toFixed(1)} bytes (value + name + thing id)`);
    } finally {
      await gw.stop();
    }
  } finally {
    await m.close();
  }
}
