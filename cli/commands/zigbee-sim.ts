/**
 * `roost zigbee-sim`: a simulated Zigbee coordinator stick with devices, for trying the Zigbee
 * binding without hardware. Prints the port to put in `bindings.zigbee.port`, joins its devices
 * as soon as the gateway permits joining, then lets them report every --interval seconds.
 *   roost zigbee-sim [--host H] [--port N] [--pty PATH] [--devices N] [--interval S] [--duration S]
 * Exit 0 after --duration or on SIGINT/SIGTERM, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { tick } from '../../firmware-sim/zigbee/activity.js';
import { PROFILES } from '../../firmware-sim/zigbee/profiles.js';
import { startZigbeeSim } from '../../firmware-sim/zigbee/zigbee-sim.js';

const OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '6638' },
  pty: { type: 'string' },
  devices: { type: 'string', default: '4' },
  interval: { type: 'string', default: '10' },
  duration: { type: 'string' },
} as const;

export async function run(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({ args: argv, options: OPTIONS }).values;
  } catch (err) {
    console.error(`roost zigbee-sim: ${(err as Error).message}`);
    return 2;
  }
  const port = Number(v.port);
  const count = Number(v.devices);
  const intervalS = Number(v.interval);
  const durationS = v.duration === undefined ? Number.POSITIVE_INFINITY : Number(v.duration);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(count) || count < 0 || !(intervalS > 0) || !(durationS > 0)) {
    console.error('usage: roost zigbee-sim [--host H] [--port N] [--pty PATH] [--devices N] [--interval S] [--duration S]');
    return 2;
  }
  const sim = await startZigbeeSim({ host: v.host, port });
  const names = Object.keys(PROFILES);
  const devices = Array.from({ length: count }, (_, i) => sim.addDevice(names[i % names.length] ?? 'smart-plug'));
  const pty = v.pty ? await sim.openPty(v.pty) : undefined;
  console.log(`zigbee-sim: coordinator at ${pty ? pty.path : sim.url} (set bindings.zigbee.port to it)`);
  console.log(`zigbee-sim: ${count} devices join once the gateway permits joining (action permitJoin of urn:roost:zigbee:coordinator)`);
  let stopping = false;
  const stop = () => { stopping = true; };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const deadline = Date.now() + durationS * 1000;
  let joined = false;
  let nextTick = Date.now() + intervalS * 1000;
  while (!stopping && Date.now() < deadline) {
    if (!joined && sim.emulator.joinPermitted) {
      sim.join(devices);
      joined = true;
      console.log(`zigbee-sim: ${count} devices joined`);
    }
    if (joined && Date.now() >= nextTick) {
      tick(devices, Math.random);
      nextTick = Date.now() + intervalS * 1000;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await sim.close();
  console.log('zigbee-sim: stopped');
  return 0;
}
