/**
 * The `roost` command: a table of subcommands, each in commands/<name>.ts exporting
 * run(argv): Promise<number> (the exit code). Every way a command can end is an exit code and
 * at most a few lines a person can read: usage mistakes 2, bad config 78, typed errors 1, and
 * anything else 1 with its message (the stack trace only with ROOST_DEBUG=1).
 */
import { ConfigInvalidError, RoostError } from '../protocols/errors.js';
import { HelpRequested, UsageError, type Run } from './command.js';

export interface CommandModule {
  run: Run & { readonly subcommands?: readonly string[] };
}

interface Command {
  summary: string;
  load: () => Promise<CommandModule>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  start: { summary: 'run the gateway  [--config FILE] [--data DIR]', load: () => import('./commands/start.js') },
  demo: { summary: 'run the gateway with a simulated fleet  [--config FILE] [--data DIR] [--scenario FILE] [--duration S]', load: () => import('./commands/demo.js') },
  fleet: { summary: 'run a simulated fleet against a gateway  --scenario FILE [--gateway HOST[:PORT]] [--report FILE]', load: () => import('./commands/fleet.js') },
  serial: { summary: 'firmware tools: list | monitor --port P | send --port P KIND [JSON] | provision --port P', load: () => import('./commands/serial.js') },
  image: { summary: 'appliance A/B slots: status|verify|update|mark-good|rollback|first-boot', load: () => import('./commands/image.js') },
  backup: { summary: 'encrypted backup of a data dir: create FILE | restore FILE  [--data DIR] [--passphrase-file F]', load: () => import('./commands/backup.js') },
  devices: { summary: 'onboarding offline: import FILE (a vendor manifest) | list  [--data DIR]', load: () => import('./commands/devices.js') },
  'zigbee-sim': { summary: 'a simulated Zigbee coordinator with devices  [--port N] [--pty PATH] [--devices N] [--interval S]', load: () => import('./commands/zigbee-sim.js') },
};

export const USAGE = [
  'usage: roost <command> [options]',
  '',
  ...Object.entries(COMMANDS).map(([name, c]) => `  roost ${name.padEnd(11)} ${c.summary}`),
  '',
  '  roost <command> --help    options of one command',
  '  roost --version           print version and commit',
].join('\n');

/** Where the command's own messages go (a test passes its own). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const CONSOLE: Io = { out: (t) => console.log(t), err: (t) => console.error(t) };

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    const { versionString } = await import('../image/src/version.js');
    io.out(versionString());
    return 0;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.out(USAGE);
    return 0;
  }
  if (name === 'help') return dispatch([rest[0]!, '--help'], io);
  if (name === undefined) throw new UsageError('', 'missing command', USAGE);
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) throw new UsageError('', `unknown command '${name}'`, USAGE);
  return (await cmd.load()).run(rest);
}

export async function main(argv: string[], io: Io = CONSOLE): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.out(err.usage);
      return 0;
    }
    if (err instanceof UsageError) {
      io.err(`roost${err.command ? ` ${err.command}` : ''}: ${err.message}\n\n${err.usage}`);
      return 2;
    }
    if (err instanceof ConfigInvalidError) {
      io.err(`roost: ${err.message}`);
      return 78; // EX_CONFIG
    }
    if (err instanceof RoostError) {
      io.err(`roost: ${err.code}: ${err.message}`);
      return 1;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    io.err(process.env['ROOST_DEBUG'] ? `roost: ${e.stack ?? e.message}` : `roost: ${e.message} (ROOST_DEBUG=1 shows where)`);
    return 1;
  }
}
