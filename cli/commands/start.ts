/**
 * `roost start [--config FILE] [--data DIR]`: the gateway until SIGTERM/SIGINT, then a graceful
 * stop (history flushed, database closed) bounded by stopTimeoutMs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFile } from '../../gateway/config/config.js';
import { writeFileDurable } from '../../gateway/config/durable-file.js';
import { withStartDefaults } from '../../gateway/config/start-defaults.js';
import { startGateway, type Gateway, type StartOptions } from '../../gateway/gateway.js';
import { command } from '../command.js';
import { firstStartBanner } from '../first-start-banner.js';
import { applianceSlotInstaller } from '../image-slot-installer.js';
import { version } from '../../image/src/version.js';

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
    'Runs the gateway until SIGTERM or SIGINT. Beyond the config schema\'s defaults it turns on CoAP,',
    'TLS with its own certificate and hardware detection (docs/operations.md); the config file wins.',
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
  const opts: StartOptions = { config: withStartDefaults(args.config ? readConfigFile(args.config) : {}), quietAdminPassword: true };
  if (args.data) opts.dataDir = args.data;
  opts.version = version();
  // On the appliance, POST /update installs into the inactive slot as the USB path does (docs/image.md).
  const slotInstaller = applianceSlotInstaller();
  if (slotInstaller) opts.slotInstaller = slotInstaller;
  const gw = await startGateway(opts);
  const banner = firstStartBanner(gw);
  // The appliance's label reads this file: the first start's block, with the admin password (0600).
  // Written before the block is printed, so whoever sees the block finds the file.
  const label = join(gw.dataDir, 'first-start.txt');
  if (gw.admin.adminPassword || !existsSync(label)) writeFileDurable(label, banner, 0o600);
  process.stdout.write(banner);
  return runUntilSignal(gw);
});
