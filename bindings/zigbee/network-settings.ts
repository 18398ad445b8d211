/**
 * The Zigbee network's identity: PAN id, extended PAN id, channel and network key. Generated
 * at random on first start and kept in the data dir (mode 0600), next to herdsman's database
 * and coordinator backup, so that a restart or a replaced stick resumes the same network.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigInvalidError } from '../../protocols/errors.js';
import type { ZigbeeNetworkSettings } from './zigbee-stack.js';

/** Zigbee Light Link / Zigbee 3.0 primary channels, least overlapped by Wi-Fi 1/6/11 (BDB §5.6). */
const PREFERRED_CHANNELS = [11, 15, 20, 25] as const;

export const NETWORK_FILE = 'network.json';

export interface NetworkOverrides {
  channel?: number;
  panId?: number;
}

function valid(s: unknown): s is ZigbeeNetworkSettings {
  const n = s as ZigbeeNetworkSettings;
  return typeof n === 'object' && n !== null
    && Number.isInteger(n.panId) && n.panId > 0 && n.panId < 0xfff7
    && Number.isInteger(n.channel) && n.channel >= 11 && n.channel <= 26
    && Array.isArray(n.extendedPanId) && n.extendedPanId.length === 8
    && Array.isArray(n.networkKey) && n.networkKey.length === 16;
}

export function generateNetwork(overrides: NetworkOverrides = {}): ZigbeeNetworkSettings {
  return {
    panId: overrides.panId ?? randomInt(1, 0xfff7),
    extendedPanId: [...randomBytes(8)],
    channel: overrides.channel ?? PREFERRED_CHANNELS[randomInt(PREFERRED_CHANNELS.length)] ?? 11,
    networkKey: [...randomBytes(16)],
  };
}

/** Writes temp file, fsyncs it, renames, fsyncs the directory (a power cut keeps old or new). */
function writeDurable(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/**
 * Loads the network settings from dir, creating them on first start. A configured channel
 * or PAN id that differs from the stored one is applied (herdsman then changes channel or,
 * for the PAN id, re-forms the network).
 */
export function loadOrCreateNetwork(dir: string, overrides: NetworkOverrides = {}): { settings: ZigbeeNetworkSettings; created: boolean } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, NETWORK_FILE);
  if (existsSync(path)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ConfigInvalidError(`${path} is not valid JSON; restore it from a backup or remove it to form a new network`, undefined, { cause: err });
    }
    if (!valid(parsed)) throw new ConfigInvalidError(`${path} does not hold valid network settings`);
    const settings = { ...parsed, ...(overrides.channel ? { channel: overrides.channel } : {}), ...(overrides.panId ? { panId: overrides.panId } : {}) };
    if (settings.channel !== parsed.channel || settings.panId !== parsed.panId) writeDurable(path, JSON.stringify(settings, null, 2));
    return { settings, created: false };
  }
  const settings = generateNetwork(overrides);
  writeDurable(path, JSON.stringify(settings, null, 2));
  return { settings, created: true };
}
