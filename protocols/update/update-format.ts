/**
 * The update file format (docs/image.md, "Update file format"), version 1. Pure codec.
 *
 *   offset 0   8 bytes   magic "ROOSTUPD"
 *          8   u16 BE    format version (1)
 *         10   u16 BE    flags (0)
 *         12   u32 BE    manifest length M (1 .. maxManifestBytes)
 *         16   M bytes   manifest, UTF-8 JSON (UpdateManifest)
 *       16+M   64 bytes  Ed25519 signature over bytes [0, 16+M)
 *       80+M   payloads, back to back, in manifest order; nothing after the last one
 *
 * The signature covers the manifest, and the manifest holds each payload's size and SHA-256,
 * so the payloads are authenticated by hashing them while they are written.
 */
import { BadRequestError } from '../errors.js';
import { SIGNATURE_BYTES } from './update-signing.js';

const UPDATE_MAGIC = Buffer.from('ROOSTUPD', 'ascii');
const UPDATE_FORMAT_VERSION = 1;
export const FIXED_HEADER_BYTES = 16;

export const UPDATE_LIMITS = {
  maxManifestBytes: 65536,
  maxPayloads: 8,
  maxPayloadBytes: 4 * 1024 ** 3,
} as const;

const PAYLOAD_NAMES = ['kernel', 'initrd', 'rootfs'] as const;
export type PayloadName = (typeof PAYLOAD_NAMES)[number];
const ARCHES = ['amd64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

export interface PayloadEntry {
  name: PayloadName;
  size: number;
  /** Lower-case hex SHA-256 of the payload bytes. */
  sha256: string;
}

export interface UpdateManifest {
  product: 'roost';
  arch: Arch;
  version: string;
  commit: string;
  /** ISO 8601 build time. */
  createdAt: string;
  /** keyId of the Ed25519 key that signed this file. */
  keyId: string;
  /** Extra kernel command line for the slot's boot entry (may be empty). */
  cmdline: string;
  payloads: PayloadEntry[];
}

export interface ParsedHeader {
  manifest: UpdateManifest;
  /** The bytes the signature covers: fixed header + manifest. */
  signedBytes: Buffer;
  signature: Buffer;
  /** Offset of the first payload byte. */
  payloadOffset: number;
  /** Offset of the byte after the last payload: the file's exact expected size. */
  totalBytes: number;
}

function bad(message: string): never {
  throw new BadRequestError(`update file: ${message}`);
}

/** Checks a decoded manifest field by field; throws BadRequestError naming the field. */
export function validateManifest(m: unknown): UpdateManifest {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) bad('manifest is not a JSON object');
  const o = m as Record<string, unknown>;
  if (o['product'] !== 'roost') bad(`manifest.product must be "roost", got ${JSON.stringify(o['product'])}`);
  if (!ARCHES.includes(o['arch'] as Arch)) bad(`manifest.arch must be one of ${ARCHES.join(', ')}`);
  for (const k of ['version', 'commit', 'createdAt', 'keyId', 'cmdline'] as const) {
    if (typeof o[k] !== 'string') bad(`manifest.${k} must be a string`);
  }
  if (!/^[0-9a-f]{16}$/.test(o['keyId'] as string)) bad('manifest.keyId must be 16 lower-case hex digits');
  if (/[\n\r]/.test(o['cmdline'] as string)) bad('manifest.cmdline must be one line');
  const payloads = o['payloads'];
  if (!Array.isArray(payloads) || payloads.length === 0 || payloads.length > UPDATE_LIMITS.maxPayloads) {
    bad(`manifest.payloads must be an array of 1..${UPDATE_LIMITS.maxPayloads} entries`);
  }
  const seen = new Set<string>();
  payloads.forEach((p: unknown, i) => {
    const e = p as Record<string, unknown>;
    if (typeof p !== 'object' || p === null) bad(`manifest.payloads[${i}] is not an object`);
    if (!PAYLOAD_NAMES.includes(e['name'] as PayloadName)) bad(`manifest.payloads[${i}].name must be one of ${PAYLOAD_NAMES.join(', ')}`);
    if (seen.has(e['name'] as string)) bad(`manifest.payloads[${i}].name ${String(e['name'])} appears twice`);
    seen.add(e['name'] as string);
    const size = e['size'];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1 || size > UPDATE_LIMITS.maxPayloadBytes) {
      bad(`manifest.payloads[${i}].size must be an integer 1..${UPDATE_LIMITS.maxPayloadBytes}`);
    }
    if (typeof e['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(e['sha256'])) bad(`manifest.payloads[${i}].sha256 must be 64 lower-case hex digits`);
  });
  for (const name of PAYLOAD_NAMES) if (!seen.has(name)) bad(`manifest.payloads has no ${name}`);
  return o as unknown as UpdateManifest;
}

/** The bytes to sign: fixed header + manifest JSON. */
export function encodeSignedHeader(manifest: UpdateManifest): Buffer {
  const json = Buffer.from(JSON.stringify(validateManifest(manifest)), 'utf8');
  if (json.length > UPDATE_LIMITS.maxManifestBytes) bad(`manifest is ${json.length} bytes, limit ${UPDATE_LIMITS.maxManifestBytes}`);
  const fixed = Buffer.alloc(FIXED_HEADER_BYTES);
  UPDATE_MAGIC.copy(fixed, 0);
  fixed.writeUInt16BE(UPDATE_FORMAT_VERSION, 8);
  fixed.writeUInt16BE(0, 10);
  fixed.writeUInt32BE(json.length, 12);
  return Buffer.concat([fixed, json]);
}

/**
 * How many bytes of the file parseHeader needs, given its first FIXED_HEADER_BYTES; checks
 * magic, version and flags on the way.
 */
export function headerBytesNeeded(fixed: Buffer): number {
  if (fixed.length < FIXED_HEADER_BYTES) bad(`truncated: ${fixed.length} bytes, a header needs ${FIXED_HEADER_BYTES}`);
  if (!fixed.subarray(0, 8).equals(UPDATE_MAGIC)) bad('not a Roost update file (bad magic)');
  const version = fixed.readUInt16BE(8);
  if (version !== UPDATE_FORMAT_VERSION) bad(`format version ${version} is not supported (this build reads ${UPDATE_FORMAT_VERSION})`);
  if (fixed.readUInt16BE(10) !== 0) bad('unknown flags set');
  const m = fixed.readUInt32BE(12);
  if (m < 1 || m > UPDATE_LIMITS.maxManifestBytes) bad(`manifest length ${m} is outside 1..${UPDATE_LIMITS.maxManifestBytes}`);
  return FIXED_HEADER_BYTES + m + SIGNATURE_BYTES;
}

/** Parses the header (fixed part, manifest, signature) from the first headerBytesNeeded() bytes. */
export function parseHeader(head: Buffer): ParsedHeader {
  const need = headerBytesNeeded(head);
  if (head.length < need) bad(`truncated: header needs ${need} bytes, got ${head.length}`);
  const m = head.readUInt32BE(12);
  let decoded: unknown;
  try {
    decoded = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + m)));
  } catch {
    bad('manifest is not UTF-8 JSON');
  }
  const manifest = validateManifest(decoded);
  const payloadOffset = need;
  const totalBytes = manifest.payloads.reduce((n, p) => n + p.size, payloadOffset);
  return {
    manifest,
    signedBytes: head.subarray(0, FIXED_HEADER_BYTES + m),
    signature: head.subarray(FIXED_HEADER_BYTES + m, need),
    payloadOffset,
    totalBytes,
  };
}

/** Byte range [start, end) of each payload in the file, in manifest order. */
export function payloadRanges(h: ParsedHeader): Array<PayloadEntry & { start: number; end: number }> {
  let at = h.payloadOffset;
  return h.manifest.payloads.map((p) => {
    const r = { ...p, start: at, end: at + p.size };
    at += p.size;
    return r;
  });
}
