/**
 * `roost image <action>`: the appliance's A/B slots and updates (docs/image.md).
 *   status                          slots, which one runs, which one boots next
 *   verify FILE                     check an update file's signature and payload hashes
 *   update FILE [--no-reboot] [--if-new]   install into the other slot, boot it once on trial
 *   mark-good [--config F] [--timeout-s N]   after a trial boot: healthy -> good, else reboot
 *   rollback [--no-reboot]          boot the other (good) slot from now on
 *   first-boot [--data DIR]         device identity, secrets, admin credential (idempotent)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BadRequestError } from '../../protocols/errors.js';
import { deviceLayout } from '../../image/src/device/device-layout.js';
import { waitHealthy } from '../../image/src/device/health.js';
import { firstBoot, lookupUser } from '../../image/src/firstboot/first-boot.js';
import { alreadyHandled, otherSlot, type BootState } from '../../image/src/slots/boot-entries.js';
import { installUpdate, markGood, readBootState, rollback } from '../../image/src/slots/slot-manager.js';
import { readTrustedKeys } from '../../image/src/update/signing.js';
import { openUpdate, readPayload, streamPayload } from '../../image/src/update/update-file.js';
import { loadConfigFile } from '../../gateway/config/config.js';

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

function fileArg(positionals: string[], action: string): string {
  const f = positionals[0];
  if (!f) throw new BadRequestError(`roost image ${action}: missing update FILE`);
  return f;
}

type Action = (argv: string[]) => Promise<number>;

const ACTIONS: Readonly<Record<string, Action>> = {
  async status(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
    const s = await readBootState(deviceLayout());
    if (values.json) say(JSON.stringify(s, null, 2));
    else describe(s).forEach(say);
    return 0;
  },

  async verify(argv) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true });
    const layout = deviceLayout();
    const u = openUpdate(fileArg(positionals, 'verify'), readTrustedKeys(layout.trustedKeysDir));
    for (const p of u.manifest.payloads) {
      if (p.name === 'rootfs') streamPayload(u, p.name, () => undefined);
      else readPayload(u, p.name);
    }
    say(`ok: roost ${u.manifest.version} (${u.manifest.commit}) for ${u.manifest.arch}, signed by ${u.manifest.keyId}`);
    return 0;
  },

  async update(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'no-reboot': { type: 'boolean' }, 'if-new': { type: 'boolean' } }, strict: true });
    const layout = deviceLayout();
    const u = openUpdate(fileArg(positionals, 'update'), readTrustedKeys(layout.trustedKeysDir));
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
  },

  async 'mark-good'(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, url: { type: 'string' }, 'timeout-s': { type: 'string', default: '240' } },
      strict: true,
    });
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
  },

  async rollback(argv) {
    const { values } = parseArgs({ args: argv, options: { 'no-reboot': { type: 'boolean' } }, strict: true });
    const target = await rollback(deviceLayout());
    say(`roost image: slot ${target} boots next`);
    return values['no-reboot'] ? 0 : reboot();
  },

  async 'first-boot'(argv) {
    const { values } = parseArgs({ args: argv, options: { data: { type: 'string', default: '/var/lib/roost' }, 'default-config': { type: 'string', default: '/usr/share/roost/config.yaml' } }, strict: true });
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
  },
};

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const fn = action ? ACTIONS[action] : undefined;
  if (!fn) {
    console.error(`usage: roost image <${Object.keys(ACTIONS).join('|')}> ...`);
    return 2;
  }
  return fn(rest);
}
