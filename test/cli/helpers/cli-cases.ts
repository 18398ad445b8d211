/**
 * The CLI's smoke table: every command and subcommand with --help and with an unknown option, and
 * the missing or wrong arguments a person types first. test/cli/usage.test.ts runs it against the
 * sources, test/cli/bundle.integration.test.ts against the built bundle.
 */
import assert from 'node:assert/strict';
import { COMMANDS } from '../../../cli/roost.js';

export interface CliCase {
  argv: string[];
  code: 0 | 2;
  /** For code 0: the start of stdout. For code 2: the first line of stderr. */
  first: string | RegExp;
  /** The usage printed with it (stdout for 0, stderr for 2). */
  usage: string;
}

export const BOGUS = '--bogus-option';

/** Every command path: `['start']`, ..., `['serial']`, `['serial', 'monitor']`, ... */
export async function commandPaths(): Promise<string[][]> {
  const paths: string[][] = [];
  for (const [name, c] of Object.entries(COMMANDS)) {
    paths.push([name]);
    for (const sub of (await c.load()).run.subcommands ?? []) paths.push([name, sub]);
  }
  return paths;
}

/** Missing or wrong arguments: argv, the one line naming the mistake, the usage it comes with. */
export const MISTAKES: ReadonlyArray<[string[], string, string]> = [
  [[], 'roost: missing command', 'usage: roost <command>'],
  [['launch'], "roost: unknown command 'launch'", 'usage: roost <command>'],
  [['fleet'], 'roost fleet: missing option --scenario', 'usage: roost fleet '],
  [['fleet', '--scenario'], "roost fleet: option '-s, --scenario <value>' argument missing", 'usage: roost fleet '],
  [['start', 'now'], "roost start: unexpected argument 'now'", 'usage: roost start'],
  [['demo', '--duration'], "roost demo: option '--duration <value>' argument missing", 'usage: roost demo'],
  [['serial'], 'roost serial: missing subcommand (list, monitor, send, provision)', 'usage: roost serial <subcommand>'],
  [['serial', 'sniff'], "roost serial: unknown subcommand 'sniff'", 'usage: roost serial <subcommand>'],
  [['serial', 'monitor'], 'roost serial monitor: missing option --port', 'usage: roost serial monitor'],
  [['serial', 'send', '--port', '/dev/null'], 'roost serial send: missing argument KIND', 'usage: roost serial send'],
  [['serial', 'list', 'all'], "roost serial list: unexpected argument 'all'", 'usage: roost serial list'],
  [['image'], 'roost image: missing subcommand (status, verify, update, mark-good, rollback, first-boot)', 'usage: roost image <subcommand>'],
  [['image', 'verify'], 'roost image verify: missing argument FILE', 'usage: roost image verify'],
  [['image', 'update', '--no-reboot'], 'roost image update: missing argument FILE', 'usage: roost image update'],
  [['image', 'verify', 'a', 'b'], "roost image verify: unexpected argument 'b'", 'usage: roost image verify'],
  [['zigbee-sim', '--devices', 'many'], 'roost zigbee-sim: --devices: expected an integer >= 0', 'usage: roost zigbee-sim'],
];

export async function cliCases(): Promise<CliCase[]> {
  const cases: CliCase[] = [];
  for (const path of await commandPaths()) {
    const name = path.join(' ');
    const usage = `usage: roost ${name}`;
    cases.push({ argv: [...path, '--help'], code: 0, first: usage, usage });
    cases.push({ argv: [...path, '-h'], code: 0, first: usage, usage });
    cases.push({ argv: [...path, BOGUS], code: 2, first: `roost ${name}: unknown option '${BOGUS}'`, usage });
  }
  cases.push({ argv: ['--help'], code: 0, first: 'usage: roost <command>', usage: 'usage: roost <command>' });
  cases.push({ argv: ['help', 'fleet'], code: 0, first: 'usage: roost fleet ', usage: 'usage: roost fleet ' });
  for (const [argv, first, usage] of MISTAKES) cases.push({ argv, code: 2, first, usage });
  return cases;
}

/** Checks one run: its exit code, the line naming the mistake, the usage, and no stack trace. */
export function checkCase(c: CliCase, got: { code: number | null; stdout: string; stderr: string }): void {
  const what = `roost ${c.argv.join(' ')}`;
  assert.equal(got.code, c.code, `${what}: exit code (stderr: ${got.stderr})`);
  const [shown, other] = c.code === 0 ? [got.stdout, got.stderr] : [got.stderr, got.stdout];
  const firstLine = shown.split('\n')[0] ?? '';
  if (typeof c.first === 'string') assert.ok(firstLine.startsWith(c.first), `${what}: first line '${firstLine}', expected '${c.first}...'`);
  else assert.match(firstLine, c.first, what);
  assert.ok(shown.split('\n').some((l) => l.startsWith(c.usage)), `${what}: usage '${c.usage}...' in\n${shown}`);
  assert.equal(other, '', `${what}: nothing on the other stream`);
  assert.doesNotMatch(shown, /^\s+at \S/m, `${what}: a stack trace`);
}
