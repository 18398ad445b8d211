/**
 * A firmware-sim BLE device in its own process on a real controller (bleno), driven by JSON
 * lines on stdin and reporting JSON lines on stdout, so tests and scenarios can steer it:
 *
 *   node --import tsx firmware-sim/ble/bleno-main.ts --uart /dev/pts/3 --kind gatt|bthome [--name N] [--key HEX]
 *   stdin:  {"cmd":"advertise"} | {"cmd":"reading","id":2,"value":21.5} | {"cmd":"press","event":"press"}
 *           {"cmd":"set","service":"181a","uuid":"2a6e","hex":"1009"} | {"cmd":"disconnect"} | {"cmd":"exit"}
 *   stdout: {"event":"ready","address":"..."} | {"event":"advertised"} | {"event":"connect"} | {"event":"disconnect"}
 *           {"event":"write","service":"...","uuid":"...","hex":"..."} | {"event":"error","message":"..."}
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BlenoRunner } from './bleno-peripheral.js';
import { BthomeSensor } from './bthome-sensor.js';
import { environmentalSensor } from './gatt-peripheral.js';

const { values: args } = parseArgs({
  options: { uart: { type: 'string' }, kind: { type: 'string', default: 'gatt' }, name: { type: 'string' }, key: { type: 'string' } },
});
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  if (!args.uart) throw new Error('--uart PORT is required');
  const runner = await BlenoRunner.open({ uartPort: args.uart });
  const address = runner.address.toLowerCase();
  const name = args.name ?? (args.kind === 'bthome' ? 'RoostBTH' : 'RoostEnv');
  const sensor = args.kind === 'bthome'
    ? new BthomeSensor({ address, localName: name, readings: { 0x01: 91, 0x02: 21.5, 0x03: 40.25 }, ...(args.key ? { bindKey: args.key } : {}) })
    : null;
  const gatt = args.kind === 'gatt' ? environmentalSensor({ address, localName: name, sleepy: true }) : null;
  if (gatt) await runner.serveGatt(gatt);
  runner.on('connect', () => say({ event: 'connect' }));
  runner.on('disconnect', () => say({ event: 'disconnect' }));
  runner.on('write', (w: Record<string, unknown>) => say({ event: 'write', ...w }));
  say({ event: 'ready', address });
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as { cmd: string; id?: number; value?: number; event?: string; service?: string; uuid?: string; hex?: string };
    try {
      switch (m.cmd) {
        case 'advertise':
          if (sensor) await runner.advertiseBthome(sensor);
          else await runner.advertise(null, name);
          say({ event: 'advertised' });
          break;
        case 'reading':
          sensor?.setReading(m.id ?? 0, m.value ?? 0);
          break;
        case 'press':
          sensor?.press(m.event ?? 'press');
          break;
        case 'set':
          gatt?.setValue(m.service ?? '', m.uuid ?? '', Buffer.from(m.hex ?? '', 'hex'));
          break;
        case 'disconnect':
          runner.disconnect();
          break;
        case 'exit':
          runner.close();
          process.exit(0);
      }
    } catch (err) {
      say({ event: 'error', message: (err as Error).message });
    }
  }
  runner.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  say({ event: 'error', message: (err as Error).message });
  process.exit(1);
});
