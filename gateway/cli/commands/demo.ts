/**
 * `roost demo [--data DIR]`: the gateway on its default ports with the demo configuration, for a
 * newcomer's `make run`.
 */
import { parseArgs } from 'node:util';
import { startGateway } from '../../gateway.js';
import { runUntilSignal } from './start.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string', short: 'd' } }, strict: true });
  const gw = await startGateway({ dataDir: values.data ?? './data' });
  return runUntilSignal(gw);
}
