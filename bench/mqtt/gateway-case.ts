/**
 * The gateway side of the MQTT fan-out benchmark, in a process of its own (forked by
 * fanout.bench.ts with BENCH_MQTT_NODE_ARGS as its Node arguments, e.g. `--cpu-prof`): the gateway
 * as the tests start it (hub, SQLite store, embedded broker), MQTT on 127.0.0.1 and port 0.
 *
 * Protocol over the IPC channel: the child sends `{ mqttUrl, password, pid }` once listening; the
 * parent sends 'stop'; the child stops the gateway (a CPU profile is written on exit) and exits.
 */
import { startTestGateway, TEST_ADMIN_PASSWORD } from '../../test/helpers/gateway.js';

export interface GatewayCaseReady {
  mqttUrl: string;
  password: string;
}

if (!process.send) throw new Error('gateway-case.ts is forked by fanout.bench.ts');
const gw = await startTestGateway({ bindings: { system: { enabled: false } } });
if (!gw.mqttUrl) throw new Error('the gateway serves no MQTT');
process.on('message', (msg) => {
  if (msg !== 'stop') return;
  void gw.stop().then(() => process.exit(0));
});
const ready: GatewayCaseReady = { mqttUrl: gw.mqttUrl, password: TEST_ADMIN_PASSWORD };
process.send(ready);
