/**
 * `roost image <subcommand>`: the appliance's A/B slots and updates (docs/image.md); USAGE lists
 * the subcommands, each declares its options beside what it does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { deviceLayout } from '../../image/src/device/device-layout.js';
import { waitHealthy } from '../../image/src/device/health.js';
import { firstBoot, lookupUser } from '../../image/src/firstboot/first-boot.js';
import { alreadyHandled, otherSlot, type BootState } from '../../image/src/slots/boot-entries.js';
import { installUpdate, markGood, readBootState, rollback } from '../../image/src/slots/slot-manager.js';
import { readTrustedKeys } from '../../image/src/update/signing.js';
import { openUpdate, readPayload, streamPayload } from '../../image/src/update/update-file.js';
import { loadConfigFile } from '../../gateway/config/config.js';
import { command, subcommands } from '../command.js';

const say = (line: string): void => console.log(line);

/** `update --if-new` found nothing new to install (roost-update-media.sh reads this). */
export const EXIT_NOTHING_NEW = 10;

/** The gateway unit has failed for good (its start limit was hit): no point waiting for health. */
function gatewayFailed(): string | null {
  const r = spawnSync('systemctl', ['is-failed', '--quiet', 'roost.service']);
  return r.status === 0 ? 'roost.service failed' : null;
}

function reboot(): number {
  say('roost image: rebooting');
  const r = spawnSync('systemctl', ['reboot'], { stdio: 'inherit' });
  return r.status ?? 1;
}

function describe(s: BootState): string[] {
  return (['a', 'b'] as const).map((slot) => {
    const st = s.slots[slot];
    const marks = [slot === s.booted ? 'running' : '', slot === s.next ? 'boots next' : ''].filter(Boolean).join(', ');
    return `slot ${slot}: ${st.status.padEnd(13)} ${st.entry?.release ?? '-'}${marks ? `  (${marks})` : ''}`;
  });
}

const NO_REBOOT = { 'no-reboot': { type: 'boolean' } } as const;
const NO_REBOOT_HELP = '      --no-reboot   do not reboot afterwards';

const USAGE = [
  'usage: roost image <subcommand> [options]   (the appliance\'s A/B slots, docs/image.md)',
  '',
  '  status [--json]                        slots, which one runs, which one boots next',
  '  verify FILE                            check an update file\'s signature and payload hashes',
  '  update FILE [--no-reboot] [--if-new]   install into the other slot, boot it once on trial',
  '  mark-good [--config F] [--timeout-s N] after a trial boot: healthy -> good, else reboot',
  '  rollback [--no-reboot]                 boot the other (good) slot from now on',
  '  first-boot [--data DIR]                device identity, secrets, admin credential (idempotent)',
  '',
  'roost image <subcommand> --help shows its options.',
].join('\n');

export const run = subcommands('image', USAGE, {
  status: command({
    name: 'image status',
    usage: 'usage: roost image status [--json]\n\n      --json   the boot state as JSON',
    options: { json: { type: 'boolean' } },
  }, async ({ values }) => {
    const s = await readBootState(deviceLayout());
    if (values.json) say(JSON.stringify(s, null, 2));
    else describe(s).forEach(say);
    return 0;
  }),

  verify: command({
    name: 'image verify',
    usage: 'usage: roost image verify FILE\n\nChecks the update FILE\'s signature (against the trusted keys) and its payload hashes.',
    options: {},
    positionals: ['FILE'],
  }, async ({ positionals }) => {
    const layout = deviceLayout();
    const u = openUpdate(positionals[0]!, readTrustedKeys(layout.trustedKeysDir));
    for (const p of u.manifest.payloads) {
      if (p.name === 'rootfs') streamPayload(u, p.name, () => undefined);
      else readPayload(u, p.name);
    }
    say(`ok: roost ${u.manifest.version} (${u.manifest.commit}) for ${u.manifest.arch}, signed by ${u.manifest.keyId}`);
    return 0;
  }),

  update: command({
    name: 'image update',
    usage: [
      'usage: roost image update FILE [--no-reboot] [--if-new]',
      '',
      NO_REBOOT_HELP,
      `      --if-new      install only a release not running, failed or waiting for its trial (else exit ${EXIT_NOTHING_NEW})`,
    ].join('\n'),
    options: { ...NO_REBOOT, 'if-new': { type: 'boolean' } },
    positionals: ['FILE'],
  }, async ({ values, positionals }) => {
    const layout = deviceLayout();
    const u = openUpdate(positionals[0]!, readTrustedKeys(layout.trustedKeysDir));
    if (values['if-new']) {
      const why = alreadyHandled(await readBootState(layout), `${u.manifest.version} (${u.manifest.commit})`);
      if (why) {
        say(`roost image: not installing: ${why}`);
        return EXIT_NOTHING_NEW;
      }
    }
    const r = await installUpdate(layout, u, (m) => say(`roost image: ${m}`));
    say(`roost image: installed ${r.release} in slot ${r.slot} (${r.rootfsBytes} bytes, ${r.durationMs} ms)`);
    return values['no-reboot'] ? 0 : reboot();
  }),

  'mark-good': command({
    name: 'image mark-good',
    usage: [
      'usage: roost image mark-good [--config FILE] [--url URL] [--timeout-s N]',
      '',
      '      --config FILE   the gateway\'s config (for its HTTP port)',
      '      --url URL       the health URL (default http://127.0.0.1:PORT/healthz)',
      '      --timeout-s N   how long to wait for health (default 240)',
    ].join('\n'),
    options: { config: { type: 'string' }, url: { type: 'string' }, 'timeout-s': { type: 'string', default: '240' } },
  }, async ({ values }) => {
    const layout = deviceLayout();
    const s = await readBootState(layout);
    const other = s.slots[otherSlot(s.booted)];
    if (other.status === 'failed') say(`roost image: slot ${other.slot} (${other.entry?.release}) failed its trial boot; running slot ${s.booted}`);
    if (s.slots[s.booted].status !== 'in-trial') {
      say(`roost image: slot ${s.booted} (${s.slots[s.booted].entry?.release ?? '?'}) is good; nothing to mark`);
      return 0;
    }
    const port = values.config ? loadConfigFile(values.config).http.port : 8080;
    const url = values.url ?? `http://127.0.0.1:${port}/healthz`;
    const timeoutMs = Number(values['timeout-s']) * 1000;
    say(`roost image: trial boot of slot ${s.booted}; waiting up to ${values['timeout-s']} s for ${url}`);
    const health = await waitHealthy(url, { timeoutMs, intervalMs: 1000, giveUp: gatewayFailed });
    if (health.healthy) {
      await markGood(layout);
      say(`roost image: slot ${s.booted} marked good after ${health.waitedMs} ms`);
      return 0;
    }
    say(`roost image: gateway not healthy after ${health.waitedMs} ms (${health.lastError}); falling back to slot ${otherSlot(s.booted)}`);
    return reboot();
  }),

  rollback: command({
    name: 'image rollback',
    usage: `usage: roost image rollback [--no-reboot]\n\n${NO_REBOOT_HELP}`,
    options: NO_REBOOT,
  }, async ({ values }) => {
    const target = await rollback(deviceLayout());
    say(`roost image: slot ${target} boots next`);
    return values['no-reboot'] ? 0 : reboot();
  }),

  'first-boot': command({
    name: 'image first-boot',
    usage: [
      'usage: roost image first-boot [--data DIR] [--default-config FILE]',
      '',
      '      --data DIR              the data directory (default /var/lib/roost)',
      '      --default-config FILE   the config copied there (default /usr/share/roost/config.yaml)',
    ].join('\n'),
    options: { data: { type: 'string', default: '/var/lib/roost' }, 'default-config': { type: 'string', default: '/usr/share/roost/config.yaml' } },
  }, async ({ values }) => {
    let passwd = '';
    try {
      passwd = readFileSync('/etc/passwd', 'utf8');
    } catch {
      // no passwd file: leave ownership alone
    }
    const configFile = `${values.data}/config.yaml`;
    const adminUser = loadConfigFile(existsSync(configFile) ? configFile : values['default-config']).auth.adminUser;
    const r = firstBoot({
      dataDir: values.data,
      defaultConfigFile: values['default-config'],
      gatewayOwner: lookupUser(passwd, 'roost'),
      adminUser,
      announce: say,
      adminPasswordChars: 20,
    });
    say(`roost first boot: device ${r.deviceId}; ${r.created.length ? `created ${r.created.join(', ')}` : 'all present'}`);
    return 0;
  }),
});
