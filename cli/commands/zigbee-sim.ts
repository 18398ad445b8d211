/**
 * `roost zigbee-sim`: a simulated Zigbee coordinator stick with devices, for trying the Zigbee
 * binding without hardware. Prints the port to put in `bindings.zigbee.port`, joins its devices
 * as soon as the gateway permits joining, then lets them report every --interval seconds.
 * Exit 0 after --duration or on SIGINT/SIGTERM, 2 on a usage error.
 */
import { tick } from '../../firmware-sim/zigbee/activity.js';
import { PROFILES } from '../../firmware-sim/zigbee/profiles.js';
import { startZigbeeSim } from '../../firmware-sim/zigbee/zigbee-sim.js';
import { command, UsageError } from '../command.js';

const OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '6638' },
  pty: { type: 'string' },
  devices: { type: 'string', default: '4' },
  interval: { type: 'string', default: '10' },
  duration: { type: 'string' },
} as const;

const SPEC = {
  name: 'zigbee-sim',
  usage: [
    'usage: roost zigbee-sim [--host H] [--port N] [--pty PATH] [--devices N] [--interval S] [--duration S]',
    '',
    '      --host H       address of the coordinator\'s TCP port (default 127.0.0.1)',
    '      --port N       its TCP port (default 6638; 0 picks one)',
    '      --pty PATH     also a pseudo-terminal at PATH, as a USB stick would be',
    '      --devices N    simulated devices (default 4)',
    '      --interval S   seconds between their reports (default 10)',
    '      --duration S   stop after S seconds (default: on SIGINT or SIGTERM)',
  ].join('\n'),
  options: OPTIONS,
} as const;

/** A number option that is out of its range is a usage error naming it. */
function check(name: string, value: number, ok: (n: number) => boolean, expected: string): number {
  if (!ok(value)) throw new UsageError(SPEC.name, `--${name}: expected ${expected}`, SPEC.usage);
  return value;
}

export const run = command(SPEC, async ({ values: v }) => {
  const port = check('port', Number(v.port), (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port 0-65535');
  const count = check('devices', Number(v.devices), (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');
  const intervalS = check('interval', Number(v.interval), (n) => n > 0, 'seconds > 0');
  const durationS = v.duration === undefined ? Number.POSITIVE_INFINITY : check('duration', Number(v.duration), (n) => n > 0, 'seconds > 0');
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
});
