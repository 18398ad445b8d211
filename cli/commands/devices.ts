/**
 * `roost devices import FILE | list`: onboarding offline, straight into the data dir's database
 * (docs/security.md). This is how a factory provisions an image: the manifest's devices are
 * pre-approved before the gateway first starts. A running gateway reads its devices at start, so
 * on a live gateway use POST /devices/manifest instead (it takes effect at once).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { loadConfigFile, resolveConfig, type RoostConfig } from '../../gateway/config/config.js';
import { deviceView } from '../../gateway/onboarding/device-view.js';
import { DeviceStore } from '../../gateway/onboarding/device-store.js';
import { parseManifest } from '../../gateway/onboarding/manifest.js';
import { Onboarding } from '../../gateway/onboarding/onboarding.js';
import { openDatabase } from '../../gateway/store/database.js';
import { UsageError, command, subcommands } from '../command.js';

const say = (line: string): void => console.log(line);

const WHERE = {
  config: { type: 'string', short: 'c' },
  data: { type: 'string', short: 'd' },
} as const;
const WHERE_HELP = [
  '  -c, --config FILE   the gateway\'s config (its dataDir and onboarding settings)',
  '  -d, --data DIR      data directory; default the config\'s dataDir (./data)',
];

/** Opens the data dir's database (created and migrated if new) with the config's onboarding settings. */
function openOnboarding(values: { config?: string | undefined; data?: string | undefined }): { ob: Onboarding; close(): void; dataDir: string } {
  const config: RoostConfig = values.config ? loadConfigFile(values.config) : resolveConfig({});
  const dataDir = resolve(values.data ?? config.dataDir);
  const db = openDatabase({ dataDir, synchronous: 'full' });
  const ob = new Onboarding(new DeviceStore(db), config.onboarding, pino({ level: 'silent' }), Date.now);
  return { ob, dataDir, close: () => db.close() };
}

const STATES = ['pending', 'approved', 'rejected', 'revoked'] as const;

const USAGE = [
  'usage: roost devices <subcommand> [options]   (onboarding, offline: docs/security.md)',
  '',
  '  import FILE [--data DIR] [--config F]   pre-approve the devices of a manifest (JSON or CSV)',
  '  list [--state S] [--json] [--data DIR]  devices, their state and which credentials they have',
  '',
  'Both work on the data dir\'s database directly (a factory provisioning an image); a running',
  'gateway reads devices at start: on a live gateway use POST /devices/manifest and GET /devices.',
].join('\n');

export const run = subcommands('devices', USAGE, {
  import: command({
    name: 'devices import',
    usage: [
      'usage: roost devices import FILE [--data DIR] [--config FILE]',
      '',
      'Pre-approves the devices a vendor\'s manifest FILE lists, with their credentials, in one',
      'transaction straight into the data dir\'s database (offline: the way a factory provisions an',
      'image; a gateway already running sees them after a restart, or use POST /devices/manifest).',
      'FILE is JSON (an array) or CSV with a header; docs/security.md shows both. The first bad row',
      'stops the import with its line and column; nothing is imported then.',
      '',
      ...WHERE_HELP,
    ].join('\n'),
    options: WHERE,
    positionals: ['FILE'],
  }, async ({ values, positionals }) => {
    const entries = parseManifest(readFileSync(positionals[0]!, 'utf8'));
    const { ob, close, dataDir } = openOnboarding(values);
    try {
      const n = ob.importManifest(entries);
      for (const e of entries) say(`approved ${deviceView(ob.get(e.binding, e.deviceId)).id}${e.name ? `  (${e.name})` : ''}`);
      say(`roost devices: ${n} device${n === 1 ? '' : 's'} pre-approved in ${dataDir}`);
    } finally {
      close();
    }
    return 0;
  }),

  list: command({
    name: 'devices list',
    usage: [
      'usage: roost devices list [--state S] [--json] [--data DIR] [--config FILE]',
      '',
      `      --state S       only devices in state S (${STATES.join(', ')})`,
      '      --json          one JSON array (credentials as presence flags only)',
      ...WHERE_HELP,
    ].join('\n'),
    options: { ...WHERE, state: { type: 'string' }, json: { type: 'boolean' } },
  }, async ({ values }) => {
    const state = values.state as (typeof STATES)[number] | undefined;
    if (state !== undefined && !STATES.includes(state)) throw new UsageError('devices list', `--state: one of ${STATES.join(', ')}`, USAGE);
    const { ob, close } = openOnboarding(values);
    try {
      const views = ob.list(state).map(deviceView);
      if (values.json) {
        say(JSON.stringify(views, null, 2));
      } else {
        for (const v of views) {
          const creds = Object.entries(v.credentials).filter(([, has]) => has).map(([k]) => k).join(',') || '-';
          say(`${v.id.padEnd(40)} ${v.state.padEnd(9)} ${creds.padEnd(24)} ${v.name ?? v.seenAs ?? ''}`);
        }
      }
    } finally {
      close();
    }
    return 0;
  }),
});
