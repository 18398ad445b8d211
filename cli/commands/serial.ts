/**
 * `roost serial`: tools for firmware writers bringing up a device on a serial port (the gateway
 * must not hold the port: ports are opened exclusively): list, monitor, send, provision (USAGE).
 * Frames are acknowledged as the gateway would, so the device does not retry. Exit 0 on success,
 * 1 when the device did not acknowledge or confirm, 2 on a usage error.
 */
import { randomBytes } from 'node:crypto';
import { listNativePorts, openNativePort, type SerialTransport } from '../../bindings/serial/serial-transport.js';
import { serialOptions, type PortFraming } from '../../bindings/serial/serial-options.js';
import { ConfigInvalidError, RoostError } from '../../protocols/errors.js';
import { SerialLink } from '../../protocols/serial/serial-link.js';
import { MESSAGE_TABLE, type MessageKind, type SerialMessage } from '../../protocols/serial/serial-messages.js';
import { command, subcommands } from '../command.js';

/** The serial port, shared by every subcommand that opens one. */
const PORT = { port: { type: 'string', short: 'p' }, baud: { type: 'string', short: 'b' } } as const;
const PORT_HELP = ['  -p, --port PATH      the serial port (/dev/ttyUSB0, ...)', '  -b, --baud N         baud rate (default that of bindings.serial)'];
const UNIT_HELP = '  -u, --unit N         unit number on a multi-unit device (default 0)';

const LIST = {
  name: 'serial list',
  usage: 'usage: roost serial list\n\nSerial ports with their USB vendor and product ids.',
  options: {},
} as const;

const MONITOR = {
  name: 'serial monitor',
  usage: [
    'usage: roost serial monitor --port P [--count N] [--duration S] [--json] [--no-hello]',
    '',
    ...PORT_HELP,
    '  -n, --count N        stop after N messages',
    '  -d, --duration S     stop after S seconds',
    '      --json           one JSON object per line',
    '      --no-hello       do not ask the device to say hello first',
  ].join('\n'),
  options: { ...PORT, count: { type: 'string', short: 'n' }, duration: { type: 'string', short: 'd' }, json: { type: 'boolean' }, 'no-hello': { type: 'boolean' } },
  required: ['port'],
} as const;

const SEND = {
  name: 'serial send',
  usage: [
    `usage: roost serial send --port P [--unit U] [--wait MS] [--json] KIND [JSON]`,
    '',
    ...PORT_HELP,
    UNIT_HELP,
    '  -w, --wait MS        print what comes back for MS after the ack (default 1000)',
    '      --json           one JSON object per line',
    `  KIND                 ${Object.keys(MESSAGE_TABLE).filter((k) => k !== 'ack').join(', ')}`,
    '  JSON                 the body (records for telemetry)',
  ].join('\n'),
  options: { ...PORT, unit: { type: 'string', short: 'u' }, wait: { type: 'string', short: 'w' }, json: { type: 'boolean' } },
  required: ['port'],
  positionals: ['KIND', 'JSON'],
  minPositionals: 1,
} as const;

const PROVISION = {
  name: 'serial provision',
  usage: [
    'usage: roost serial provision --port P [--unit U] [--id ID] [--key HEX] [--set NAME=VALUE]... [--timeout-ms MS]',
    '',
    ...PORT_HELP,
    UNIT_HELP,
    '      --id ID          the device id to store',
    '      --key HEX        the device key to store',
    '      --set NAME=VALUE a config setting (VALUE as JSON when it parses); repeatable',
    '      --timeout-ms MS  how long to wait for the device to confirm (default 5000)',
  ].join('\n'),
  options: { ...PORT, unit: { type: 'string', short: 'u' }, id: { type: 'string' }, key: { type: 'string' }, set: { type: 'string', multiple: true }, 'timeout-ms': { type: 'string' } },
  required: ['port'],
} as const;

const USAGE = [
  'usage: roost serial <subcommand> [options]',
  '',
  '  list                       ports with USB vendor/product ids',
  '  monitor --port P           print what the device sends',
  '  send --port P KIND [JSON]  send one message, print the answer',
  '  provision --port P         write id, key and settings',
  '',
  'roost serial <subcommand> --help shows its options.',
].join('\n');

export const run = subcommands('serial', USAGE, {
  list: command(LIST, () => list()),
  monitor: command(MONITOR, ({ values }) => monitor(values)),
  send: command(SEND, ({ values, positionals }) => send(values, positionals)),
  provision: command(PROVISION, ({ values }) => provision(values)),
});

type PortValues = { port?: string | undefined; baud?: string | undefined };
type Printing = { json?: boolean | undefined };

// ---- subcommands

async function list(): Promise<number> {
  for (const p of await listNativePorts()) {
    const usb = p.vendorId ? ` usb ${p.vendorId}:${p.productId ?? '????'}` : '';
    console.log(`${p.path}${usb}${p.manufacturer ? ` ${p.manufacturer}` : ''}${p.serialNumber ? ` serial ${p.serialNumber}` : ''}`);
  }
  return 0;
}

/** Prints every decoded message (and every dropped frame) until --count or --duration. */
async function monitor(v: PortValues & Printing & { count?: string | undefined; duration?: string | undefined; 'no-hello'?: boolean | undefined }): Promise<number> {
  const max = int('count', v.count, 1) ?? Infinity;
  const durationS = int('duration', v.duration, 1);
  let seen = 0;
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stop = resolve));
  const s = await Session.open(v, (msg, unit) => {
    print(v, msg, unit);
    if (++seen >= max) stop();
  }, (why) => console.log(v.json ? JSON.stringify({ dropped: why }) : `! dropped ${why}`));
  const timer = durationS ? setTimeout(stop, durationS * 1000) : null;
  process.once('SIGINT', stop);
  if (!v['no-hello']) void s.link.send({ kind: 'hello', body: null }, 0xff).catch(() => undefined);
  await done;
  if (timer) clearTimeout(timer);
  await s.close();
  return 0;
}

/** Sends one message; waits for the ack, then prints what comes back within --wait ms. */
async function send(v: PortValues & Printing & { unit?: string | undefined; wait?: string | undefined }, rest: string[]): Promise<number> {
  const [kind, json] = rest;
  if (!kind || !(kind in MESSAGE_TABLE) || kind === 'ack') throw new ConfigInvalidError(`send: KIND must be one of ${Object.keys(MESSAGE_TABLE).filter((k) => k !== 'ack').join(', ')}`);
  const body = json === undefined ? null : parseJson(json);
  const msg = (kind === 'telemetry' ? { kind, records: body } : { kind, body }) as SerialMessage;
  const s = await Session.open(v, (m, unit) => print(v, m, unit));
  try {
    await s.link.send(msg, int('unit', v.unit, 0) ?? 0);
    console.log(`acknowledged ${kind as MessageKind}`);
    await new Promise((r) => setTimeout(r, int('wait', v.wait, 0) ?? 1000));
    return 0;
  } catch (err) {
    console.error(`roost serial send: ${(err as Error).message}`);
    return 1;
  } finally {
    await s.close();
  }
}

/** Writes id, key and config; succeeds when the device confirms with a result (and a new hello). */
async function provision(v: PortValues & { unit?: string | undefined; id?: string | undefined; key?: string | undefined; set?: string[] | undefined; 'timeout-ms'?: string | undefined }): Promise<number> {
  const unit = int('unit', v.unit, 0) ?? 0;
  const i = `prov-${randomBytes(4).toString('hex')}`;
  const body: Record<string, unknown> = { i };
  if (v.id) body['id'] = v.id;
  if (v.key) {
    if (!/^([0-9a-fA-F]{2})+$/.test(v.key)) throw new ConfigInvalidError('--key: expected hex bytes');
    body['k'] = Buffer.from(v.key, 'hex');
  }
  if (v.set?.length) body['c'] = Object.fromEntries(v.set.map(parseSetting));
  if (Object.keys(body).length === 1) throw new ConfigInvalidError('provision: give --id, --key or --set');
  let confirmed: ((r: { ok: boolean; text: string }) => void) | null = null;
  const outcome = new Promise<{ ok: boolean; text: string }>((resolve) => (confirmed = resolve));
  let resultOk = false;
  const s = await Session.open(v, (m) => {
    if (m.kind === 'result' && m.body.i === i) {
      if (m.body.s !== 0) return confirmed!({ ok: false, text: `device refused: error ${m.body.s}${m.body.e ? ` ${m.body.e}` : ''}` });
      resultOk = true;
      if (!v.id) confirmed!({ ok: true, text: 'provisioned' });
    }
    // With a new id, the confirmation is the device saying hello under it.
    if (m.kind === 'hello' && m.body && v.id && m.body.id === v.id && resultOk) confirmed!({ ok: true, text: `provisioned; device now says hello as ${v.id}` });
  });
  const timeoutMs = int('timeout-ms', v['timeout-ms'], 1) ?? 5000;
  const timer = setTimeout(() => confirmed!({ ok: false, text: `no confirmation within ${timeoutMs} ms` }), timeoutMs);
  try {
    await s.link.send({ kind: 'provision', body: body as { i: string } }, unit);
    const r = await outcome;
    (r.ok ? console.log : console.error)(r.ok ? r.text : `roost serial provision: ${r.text}`);
    return r.ok ? 0 : 1;
  } catch (err) {
    console.error(`roost serial provision: ${(err as Error).message}`);
    return 1;
  } finally {
    clearTimeout(timer);
    await s.close();
  }
}

// ---- helpers

class Session {
  private constructor(readonly link: SerialLink, private readonly t: SerialTransport) {}

  static async open(v: PortValues, onMessage: (m: SerialMessage, unit: number) => void, onDrop?: (why: string) => void): Promise<Session> {
    const defaults = serialOptions();
    const framing: PortFraming = { baudRate: int('baud', v.baud, 50) ?? defaults.baudRate, dataBits: 8, stopBits: 1, parity: 'none', rtscts: false };
    const t = await openNativePort(v.port!, framing);
    const link = new SerialLink((b) => t.write(b), {
      message: (m, unit) => {
        // A device that asks for the time gets it, as from the gateway.
        if (m.kind === 'time' && m.body === null) void link.send({ kind: 'time', body: { t: Math.floor(Date.now() / 1000), ms: Date.now() % 1000 } }, unit).catch(() => undefined);
        onMessage(m, unit);
      },
      ...(onDrop ? { drop: (why: string, err?: RoostError) => onDrop(err ? `${why}: ${err.message}` : why) } : {}),
    });
    t.on('data', (c) => link.feed(c));
    // A 0x00 first ends whatever partial frame the device's receiver holds.
    t.write(Buffer.from([0]));
    return new Session(link, t);
  }

  async close(): Promise<void> {
    this.link.close();
    await this.t.close();
  }
}

function print(v: Printing, m: SerialMessage, unit: number): void {
  const body = m.kind === 'telemetry' ? m.records : m.kind === 'ack' ? null : m.body;
  const plain = JSON.stringify(body, (_k, x: unknown) => (x instanceof Uint8Array || (x as { type?: string })?.type === 'Buffer' ? Buffer.from(x as Uint8Array).toString('hex') : x));
  if (v.json) console.log(JSON.stringify({ at: new Date().toISOString(), unit, kind: m.kind, body: body === null ? null : JSON.parse(plain) }));
  else console.log(`${new Date().toISOString()} unit ${unit} ${m.kind}${body === null ? '' : ` ${plain}`}`);
}

function int(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ConfigInvalidError(`--${name}: expected an integer >= ${min}, got '${text}'`);
  return n;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigInvalidError(`not JSON: ${text}`);
  }
}

/** `NAME=VALUE`: VALUE as JSON when it parses (numbers, true, {...}), else as text. */
function parseSetting(s: string): [string, unknown] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new ConfigInvalidError(`--set: expected NAME=VALUE, got '${s}'`);
  const raw = s.slice(eq + 1);
  try {
    return [s.slice(0, eq), JSON.parse(raw)];
  } catch {
    return [s.slice(0, eq), raw];
  }
}
