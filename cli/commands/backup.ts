/**
 * `roost backup create FILE | restore FILE`: a backup archive of a data dir (docs/backup.md).
 * create works while the gateway runs (SQLite's online backup); restore replaces the data dir's
 * database and files, so the gateway must be stopped (on a running gateway use POST /restore,
 * applied at its next start). The passphrase comes from --passphrase-file or ROOST_BACKUP_PASSPHRASE.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, resolveConfig } from '../../gateway/config/config.js';
import { createBackup } from '../../gateway/backup/backup-create.js';
import { applyPendingRestore, RESTORED_CONFIG, stageRestore } from '../../gateway/backup/backup-restore.js';
import { writeFileDurably } from '../../gateway/backup/durable-write.js';
import { UsageError, command, subcommands } from '../command.js';

const say = (line: string): void => console.log(line);

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  data: { type: 'string', short: 'd' },
  'passphrase-file': { type: 'string' },
} as const;
const OPTIONS_HELP = [
  '  -c, --config FILE          the gateway\'s config (its dataDir; create also keeps the file)',
  '  -d, --data DIR             data directory; default the config\'s dataDir (./data)',
  '      --passphrase-file F    the passphrase, first line of F; else ROOST_BACKUP_PASSPHRASE',
];

const USAGE = [
  'usage: roost backup <subcommand> [options]   (docs/backup.md)',
  '',
  '  create FILE [--data DIR] [--config F] [--passphrase-file F]   write an encrypted archive',
  '  restore FILE [--data DIR] [--passphrase-file F]                restore one (gateway stopped)',
].join('\n');

function passphrase(name: string, file: string | undefined): string {
  const p = file !== undefined ? (readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '') : process.env['ROOST_BACKUP_PASSPHRASE'];
  if (p === undefined || p === '') throw new UsageError(name, 'no passphrase: give --passphrase-file FILE or set ROOST_BACKUP_PASSPHRASE', USAGE);
  return p;
}

function dataDirOf(values: { config?: string | undefined; data?: string | undefined }): string {
  return resolve(values.data ?? (values.config ? loadConfigFile(values.config) : resolveConfig({})).dataDir);
}

export const run = subcommands('backup', USAGE, {
  create: command({
    name: 'backup create',
    usage: [
      'usage: roost backup create FILE [--data DIR] [--config FILE] [--passphrase-file F]',
      '',
      'Writes an encrypted archive of the data dir to FILE: the database (SQLite\'s online backup, so',
      'the gateway may keep running), users, device credentials and OSCORE sequence state, the Zigbee',
      'network and coordinator backup, keys and certificates, and the config file if --config is given.',
      '',
      ...OPTIONS_HELP,
    ].join('\n'),
    options: OPTIONS,
    positionals: ['FILE'],
  }, async ({ values, positionals }) => {
    const pass = passphrase('backup create', values['passphrase-file']);
    const dataDir = dataDirOf(values);
    const file = resolve(positionals[0]!);
    const opts = { dataDir, passphrase: pass, ...(values.config ? { configText: readFileSync(values.config, 'utf8') } : {}) };
    const bytes = await writeFileDurably(file, createBackup(opts));
    say(`roost backup: ${file} (${bytes} bytes) from ${dataDir}`);
    return 0;
  }),

  restore: command({
    name: 'backup restore',
    usage: [
      'usage: roost backup restore FILE [--data DIR] [--passphrase-file F]',
      '',
      'Checks the whole archive FILE first (passphrase, every checksum, its version); a bad one changes',
      'nothing. Then replaces the data dir\'s database and files with the archive\'s. Stop the gateway',
      'first. OSCORE sequence numbers move forward so that no nonce is used twice (docs/backup.md).',
      '',
      ...OPTIONS_HELP,
    ].join('\n'),
    options: OPTIONS,
    positionals: ['FILE'],
  }, async ({ values, positionals }) => {
    const pass = passphrase('backup restore', values['passphrase-file']);
    const dataDir = dataDirOf(values);
    const r = await stageRestore(createReadStream(positionals[0]!), { dataDir, passphrase: pass });
    await applyPendingRestore(dataDir);
    say(`roost backup: restored ${dataDir} from a backup of ${new Date(r.manifest.createdAt).toISOString()} (${r.manifest.files.length} files)`);
    if (r.oscoreContexts > 0) say(`  ${r.oscoreContexts} OSCORE sequence number(s) moved forward by ${r.oscoreMargin}`);
    if (r.manifest.files.includes('config/roost.json')) say(`  the config it held is in ${resolve(dataDir, RESTORED_CONFIG)}`);
    return 0;
  }),
});
