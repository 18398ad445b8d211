/**
 * The `roost` command: a table of subcommands, each in commands/<name>.ts exporting
 * run(argv): Promise<number> (the exit code).
 */
import { ConfigInvalidError, RoostError } from '../protocols/errors.js';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const COMMANDS: Readonly<Record<string, Command>> = {
  start: { summary: 'run the gateway  [--config FILE] [--data DIR]', load: () => import('./commands/start.js') },
  demo: { summary: 'run the gateway with a simulated fleet  [--config FILE] [--data DIR] [--scenario FILE] [--duration S]', load: () => import('./commands/demo.js') },
  fleet: { summary: 'run a simulated fleet against a gateway  --scenario FILE [--gateway HOST[:PORT]] [--report FILE]', load: () => import('./commands/fleet.js') },
  serial: { summary: 'firmware tools: list | monitor --port P | send --port P KIND [JSON] | provision --port P', load: () => import('./commands/serial.js') },
  image: { summary: 'appliance A/B slots: status|verify|update|mark-good|rollback|first-boot', load: () => import('./commands/image.js') },
  'zigbee-sim': { summary: 'a simulated Zigbee coordinator with devices  [--port N] [--pty PATH] [--devices N] [--interval S]', load: () => import('./commands/zigbee-sim.js') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  roost ${name.padEnd(8)} ${c.summary}`);
  return ['usage: roost <command> [options]', '', ...rows, '', '  roost --version  print version and commit'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    const { versionString } = await import('../image/src/version.js');
    console.log(versionString());
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`roost: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await cmd.load()).run(rest);
  } catch (err) {
    if (err instanceof ConfigInvalidError) {
      console.error(`roost: ${err.message}`);
      return 78; // EX_CONFIG
    }
    if (err instanceof RoostError) {
      console.error(`roost: ${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
