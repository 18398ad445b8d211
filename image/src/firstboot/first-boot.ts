/**
 * First boot of a device, on the freshly formatted data partition: device identity, secrets,
 * the editable config, and the first admin credential. Idempotent: each item is made only when
 * missing, so it runs on every boot (roost-firstboot.service) and repairs a partial first run.
 *
 * Data partition layout (mounted at /var/lib/roost):
 *   config.yaml                 the gateway's config (a copy of /usr/share/roost/config.yaml)
 *   identity.json               device id and its Ed25519 public key (readable by everyone)
 *   hostname                    this box's host name, roost-<6 hex of the key> (roost-hostname.service)
 *   gateway/                    the gateway's data dir (SQLite, its keys), owned by user roost
 *   secrets/                    root only: device.key, gateway.env, admin-credential.txt
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatKey, generateKeyPair } from '../update/signing.js';
import { writeFileDurable } from '../util/durable-file.js';

export interface FirstBootOptions {
  dataDir: string;
  defaultConfigFile: string;
  /** Owner of gateway/ (the unprivileged service user); null leaves ownership alone. */
  gatewayOwner: { uid: number; gid: number } | null;
  adminUser: string;
  /** Where to tell the installer the credential (the console). */
  announce: (line: string) => void;
  adminPasswordChars: number;
}

export interface FirstBootResult {
  deviceId: string;
  created: string[];
}

/** No 0/O, 1/l/I: the password is read off a console or a label. */
const PASSWORD_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function generatePassword(chars: number, random: (n: number) => Buffer = randomBytes): string {
  let out = '';
  while (out.length < chars) {
    for (const b of random(chars * 2)) {
      // Rejection sampling keeps every character equally likely (256 % 57 != 0).
      if (b < 256 - (256 % PASSWORD_ALPHABET.length) && out.length < chars) out += PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length];
    }
  }
  return out;
}

/** uid/gid of a user in an /etc/passwd text, or null. */
export function lookupUser(passwd: string, name: string): { uid: number; gid: number } | null {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

/** `roost-` and the first 6 hex digits of the device key: stable for the box, unlike on others. */
export function boxHostname(publicKeyHex: string): string {
  return `roost-${publicKeyHex.slice(0, 6).toLowerCase()}`;
}

export function firstBoot(o: FirstBootOptions): FirstBootResult {
  const created: string[] = [];
  const at = (...p: string[]): string => join(o.dataDir, ...p);
  const secrets = at('secrets');
  mkdirSync(o.dataDir, { recursive: true, mode: 0o755 });
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  mkdirSync(at('gateway'), { recursive: true, mode: 0o750 });
  if (o.gatewayOwner) chownSync(at('gateway'), o.gatewayOwner.uid, o.gatewayOwner.gid);

  if (!existsSync(at('config.yaml'))) {
    copyFileSync(o.defaultConfigFile, at('config.yaml'));
    created.push('config.yaml');
  }

  if (!existsSync(at('identity.json'))) {
    const key = generateKeyPair();
    writeFileDurable(join(secrets, 'device.key'), formatKey(key.secretKey), 0o600);
    const identity = { deviceId: `urn:roost:device:${randomUUID()}`, publicKey: Buffer.from(key.publicKey).toString('hex'), createdAt: new Date().toISOString() };
    writeFileDurable(at('identity.json'), `${JSON.stringify(identity, null, 2)}\n`, 0o644);
    created.push('identity.json', 'secrets/device.key');
  }
  const identity = JSON.parse(readFileSync(at('identity.json'), 'utf8')) as { deviceId: string; publicKey: string };

  // A host name of its own (roost-hostname.service sets it at every boot): two boxes on one LAN
  // must not both be roost.local in DNS-SD, nor share the names in their TLS certificates.
  if (!existsSync(at('hostname'))) {
    writeFileDurable(at('hostname'), `${boxHostname(identity.publicKey)}\n`, 0o644);
    created.push('hostname');
  }

  if (!existsSync(join(secrets, 'gateway.env'))) {
    const password = generatePassword(o.adminPasswordChars);
    const label = [
      `Roost gateway ${identity.deviceId}`,
      `admin user:     ${o.adminUser}`,
      `admin password: ${password}`,
      'Log in at https://<device>:8443/ (http://<device>:8080/ redirects there) and change this password.',
      '',
    ].join('\n');
    writeFileDurable(join(secrets, 'admin-credential.txt'), label, 0o600);
    // The gateway creates its first admin from this on its first start (ARCHITECTURE.md, Auth).
    writeFileDurable(join(secrets, 'gateway.env'), `ROOST_ADMIN_PASSWORD=${password}\n`, 0o600);
    created.push('secrets/gateway.env', 'secrets/admin-credential.txt');
    o.announce(`roost first boot: device ${identity.deviceId}`);
    o.announce(`roost first boot: admin user '${o.adminUser}' password '${password}' (also in ${join(secrets, 'admin-credential.txt')})`);
  }
  return { deviceId: identity.deviceId, created };
}
