/**
 * `roost start [--config FILE] [--data DIR]`: the gateway until SIGTERM/SIGINT, then a graceful
 * stop (history flushed, database closed) bounded by stopTimeoutMs.
 */
import { loadConfigFile } from '../../gateway/config/config.js';
import { startGateway, type Gateway, type StartOptions } from '../../gateway/gateway.js';
import { command } from '../command.js';

/** A stop that takes longer than this is cut short (the queue is safe: every change is committed). */
export const STOP_TIMEOUT_MS = 2000;

const SPEC = {
  name: 'start',
  usage: [
    'usage: roost start [--config FILE] [--data DIR]',
    '',
    '  -c, --config FILE   YAML or JSON config (docs/architecture.md#configuration); defaults otherwise',
    '  -d, --data DIR      data directory (SQLite database, keys, backups); default ./data',
    '',
    'Runs the gateway until SIGTERM or SIGINT.',
  ].join('\n'),
  options: { config: { type: 'string', short: 'c' }, data: { type: 'string', short: 'd' } },
} as const;

/** Runs a started gateway until a signal, then stops it. */
function runUntilSignal(gw: Gateway, onStop?: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      gw.logger.info({ signal }, 'stopping');
      const force = setTimeout(() => {
        gw.logger.error(`stop took longer than ${STOP_TIMEOUT_MS} ms; exiting`);
        process.exit(1);
      }, STOP_TIMEOUT_MS);
      force.unref();
      void (async () => {
        await onStop?.();
        await gw.stop();
        clearTimeout(force);
        resolve(0);
      })();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export const run = command(SPEC, async ({ values: args }) => {
  const opts: StartOptions = {};
  if (args.config) opts.config = loadConfigFile(args.config);
  if (args.data) opts.dataDir = args.data;
  const gw = await startGateway(opts);
  return runUntilSignal(gw);
});
