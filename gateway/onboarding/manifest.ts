/**
 * A vendor's device manifest (docs/security.md "Device manifest"), pure: JSON (an array of
 * entries) or CSV (a header line naming the columns below, then one device per line). Every
 * byte string is hex. The first bad entry throws one BadRequestError naming its line (CSV) or
 * index (JSON) and the column; the message never repeats a secret's value.
 */
import type { DeviceCredentials, OscoreCredential } from '../binding.js';
import { BadRequestError } from '../../protocols/errors.js';
import type { ManifestEntry } from './onboarding.js';

/** CSV columns, in the order `roost devices import` and docs/security.md show them. */
export const MANIFEST_COLUMNS = [
  'binding', 'device_id', 'name', 'oscore_master_secret', 'oscore_master_salt', 'oscore_recipient_id',
  'oscore_sender_id', 'oscore_id_context', 'bthome_key', 'public_key_sha256',
] as const;
type Column = (typeof MANIFEST_COLUMNS)[number];

/** Entries a manifest may hold at most (a factory batch; larger ones are split). */
export const MAX_MANIFEST_ENTRIES = 10_000;

export const BINDING_PATTERN = '^[a-z][a-z0-9-]{0,31}$';
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
const BINDING_RE = new RegExp(BINDING_PATTERN);
const DEVICE_ID_RE = new RegExp(DEVICE_ID_PATTERN);

/** Byte-length bounds per hex column (RFC 8613 §3.3 for OSCORE ids; BTHome v2 AES-CCM key 16 bytes). */
const HEX_BOUNDS: Readonly<Record<Exclude<Column, 'binding' | 'device_id' | 'name'>, readonly [number, number]>> = {
  oscore_master_secret: [16, 32],
  oscore_master_salt: [0, 32],
  oscore_recipient_id: [0, 7],
  oscore_sender_id: [0, 7],
  oscore_id_context: [0, 32],
  bthome_key: [16, 16],
  public_key_sha256: [32, 32],
};

/** Where in the input a row came from, for the error message. */
type Where = string;

function bad(where: Where, column: string, why: string): never {
  throw new BadRequestError(`manifest ${where}, column ${column}: ${why}`);
}

function hex(where: Where, column: keyof typeof HEX_BOUNDS, value: string): string {
  const [min, max] = HEX_BOUNDS[column];
  if (!/^([0-9a-fA-F]{2})*$/.test(value)) bad(where, column, 'not an even number of hex digits');
  const n = value.length / 2;
  if (n < min || n > max) bad(where, column, min === max ? `must be ${min} bytes, is ${n}` : `must be ${min}-${max} bytes, is ${n}`);
  return value.toLowerCase();
}

/** One row as column -> string ('' or absent = not given) into an entry. */
function entryOf(where: Where, row: Partial<Record<Column, string>>): ManifestEntry {
  const get = (c: Column): string => (row[c] ?? '').trim();
  const binding = get('binding');
  const deviceId = get('device_id');
  if (!BINDING_RE.test(binding)) bad(where, 'binding', binding ? 'not a binding name (a-z, 0-9, -)' : 'missing');
  if (!DEVICE_ID_RE.test(deviceId)) bad(where, 'device_id', deviceId ? 'not a device id (1-128 of A-Z a-z 0-9 . _ : -)' : 'missing');
  const name = get('name');
  if (name.length > 200) bad(where, 'name', 'longer than 200 characters');
  const credentials: DeviceCredentials = {};
  const secret = get('oscore_master_secret');
  const oscoreCols = ['oscore_master_salt', 'oscore_recipient_id', 'oscore_sender_id', 'oscore_id_context'] as const;
  if (secret) {
    if (row.oscore_recipient_id === undefined || row.oscore_recipient_id.trim() === '') bad(where, 'oscore_recipient_id', 'missing (the device\'s kid) with an OSCORE master secret');
    const oscore: OscoreCredential = {
      masterSecret: hex(where, 'oscore_master_secret', secret),
      senderId: hex(where, 'oscore_sender_id', get('oscore_sender_id')),
      recipientId: hex(where, 'oscore_recipient_id', get('oscore_recipient_id')),
    };
    if (get('oscore_master_salt')) oscore.masterSalt = hex(where, 'oscore_master_salt', get('oscore_master_salt'));
    if (get('oscore_id_context')) oscore.idContext = hex(where, 'oscore_id_context', get('oscore_id_context'));
    credentials.oscore = oscore;
  } else {
    const stray = oscoreCols.find((c) => get(c) !== '' && c !== 'oscore_sender_id');
    if (stray) bad(where, stray, 'given without oscore_master_secret');
  }
  if (get('bthome_key')) credentials.bthomeKey = hex(where, 'bthome_key', get('bthome_key'));
  if (get('public_key_sha256')) credentials.publicKeySha256 = hex(where, 'public_key_sha256', get('public_key_sha256'));
  return { binding, deviceId, ...(name ? { name } : {}), credentials };
}

/** JSON field names (camelCase, as docs/security.md shows) to columns. */
const JSON_FIELDS: Readonly<Record<string, Column>> = {
  binding: 'binding', deviceId: 'device_id', name: 'name', bthomeKey: 'bthome_key', publicKeySha256: 'public_key_sha256',
};
const JSON_OSCORE_FIELDS: Readonly<Record<string, Column>> = {
  masterSecret: 'oscore_master_secret', masterSalt: 'oscore_master_salt', recipientId: 'oscore_recipient_id',
  senderId: 'oscore_sender_id', idContext: 'oscore_id_context',
};

function flatten(where: Where, item: unknown): Partial<Record<Column, string>> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) bad(where, '-', 'not an object');
  const row: Partial<Record<Column, string>> = {};
  const take = (fields: Readonly<Record<string, Column>>, obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'oscore' && prefix === '') continue;
      const col = Object.hasOwn(fields, k) ? fields[k] : undefined;
      if (!col) bad(where, `${prefix}${k}`, 'unknown field');
      if (typeof v !== 'string') bad(where, `${prefix}${k}`, 'not a string');
      row[col] = v;
    }
  };
  const obj = item as Record<string, unknown>;
  take(JSON_FIELDS, obj, '');
  if (obj['oscore'] !== undefined) {
    const o = obj['oscore'];
    if (typeof o !== 'object' || o === null || Array.isArray(o)) bad(where, 'oscore', 'not an object');
    take(JSON_OSCORE_FIELDS, o as Record<string, unknown>, 'oscore.');
    if (!row.oscore_master_secret) bad(where, 'oscore.masterSecret', 'missing');
  }
  return row;
}

/** A JSON manifest (already parsed): an array of `{binding, deviceId, name?, oscore?, bthomeKey?, publicKeySha256?}`. */
export function manifestFromJson(value: unknown): ManifestEntry[] {
  if (!Array.isArray(value)) throw new BadRequestError('manifest: a JSON manifest is an array of devices');
  return checked(value.map((item, i) => entryOf(`entry ${i}`, flatten(`entry ${i}`, item))), (i) => `entry ${i}`);
}

/** RFC 4180 fields of one line (quotes with "" inside); the manifest's values never hold a newline. */
function csvFields(where: Where, line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= line.length) bad(where, String(out.length + 1), 'unterminated quote');
        if (line[i] === '"') {
          if (line[i + 1] === '"') { v += '"'; i += 2; continue; }
          i++;
          break;
        }
        v += line[i++];
      }
      out.push(v);
      if (i < line.length && line[i] !== ',') bad(where, String(out.length), 'text after a closing quote');
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/** A CSV manifest: a header naming columns of MANIFEST_COLUMNS (binding and device_id required), one device per line. */
export function manifestFromCsv(text: string): ManifestEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = csvFields('line 1', lines[0] ?? '').map((h) => h.trim().toLowerCase());
  header.forEach((h, i) => {
    if (!(MANIFEST_COLUMNS as readonly string[]).includes(h)) bad('line 1', String(i + 1), `unknown column '${h.slice(0, 40)}'`);
    if (header.indexOf(h) !== i) bad('line 1', h, 'named twice');
  });
  for (const need of ['binding', 'device_id'] as const) if (!header.includes(need)) bad('line 1', need, 'missing from the header');
  const entries: ManifestEntry[] = [];
  const lineOf: number[] = [];
  lines.slice(1).forEach((line, i) => {
    const where = `line ${i + 2}`;
    if (line.trim() === '' || line.startsWith('#')) return;
    const fields = csvFields(where, line);
    if (fields.length !== header.length) bad(where, String(Math.min(fields.length, header.length) + 1), `${fields.length} fields, the header has ${header.length}`);
    const row: Partial<Record<Column, string>> = {};
    header.forEach((h, j) => { row[h as Column] = fields[j]!; });
    entries.push(entryOf(where, row));
    lineOf.push(i + 2);
  });
  return checked(entries, (i) => `line ${lineOf[i]}`);
}

/** At least one entry, at most MAX_MANIFEST_ENTRIES, no device twice. */
function checked(entries: ManifestEntry[], where: (i: number) => Where): ManifestEntry[] {
  if (entries.length === 0) throw new BadRequestError('manifest: no devices');
  if (entries.length > MAX_MANIFEST_ENTRIES) throw new BadRequestError(`manifest: ${entries.length} devices, at most ${MAX_MANIFEST_ENTRIES}`);
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const k = `${e.binding}\u0000${e.deviceId}`;
    if (seen.has(k)) bad(where(i), 'device_id', `device ${e.deviceId} of binding ${e.binding} listed twice`);
    seen.add(k);
  });
  return entries;
}

/** A manifest file's text: JSON when it starts with `[`, else CSV. */
export function parseManifest(text: string): ManifestEntry[] {
  const t = text.replace(/^\uFEFF/, '');
  if (t.trimStart().startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch {
      // The parser's message quotes the input, which may hold a secret: say no more than this.
      throw new BadRequestError('manifest: not valid JSON');
    }
    return manifestFromJson(value);
  }
  return manifestFromCsv(t);
}
