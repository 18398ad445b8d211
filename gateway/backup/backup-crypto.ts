/**
 * The encrypted envelope of a backup archive (byte layout in docs/backup.md): a 64-byte header
 * (magic, format version, scrypt parameters, salt, nonce prefix, creation time, a key check),
 * then AES-256-GCM segments of at most SEGMENT_BYTES, each authenticated with the header and its
 * own length word, whose top bit marks the last segment. A wrong passphrase fails the key check
 * before any segment is read; a cut at any byte, a reordered or dropped segment fails a tag or
 * the final-segment rule.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from '../../protocols/errors.js';
import { ByteReader, TruncatedError } from './byte-reader.js';

export const MAGIC = Buffer.from('ROOSTBAK', 'latin1');
/** The newest envelope format this gateway writes and reads. */
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
export const SEGMENT_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const FINAL = 0x8000_0000;

export interface KdfParams { log2N: number; r: number; p: number }
/** ~100 ms and 32 MiB on the appliance: a stolen archive costs an attacker as much per guess. */
export const DEFAULT_KDF: KdfParams = { log2N: 15, r: 8, p: 1 };
/** A header may not ask for more than this (a crafted file must not exhaust memory). */
const MAX_KDF: KdfParams = { log2N: 20, r: 16, p: 4 };

/** A passphrase that does not open the archive. */
export class WrongPassphraseError extends BadRequestError {
  constructor() {
    super('wrong passphrase: the archive\'s key check does not match');
  }
}

export interface Header {
  version: number;
  kdf: KdfParams;
  salt: Buffer;
  noncePrefix: Buffer;
  createdAt: number;
  bytes: Buffer;
}

interface Keys { enc: Buffer; mac: Buffer }

function deriveKeys(passphrase: string, salt: Buffer, kdf: KdfParams): Promise<Keys> {
  const N = 2 ** kdf.log2N;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 64, { N, r: kdf.r, p: kdf.p, maxmem: 256 * N * kdf.r + 16 * 1024 * 1024 }, (err, key) => {
      if (err) reject(err);
      else resolve({ enc: key.subarray(0, 32), mac: key.subarray(32) });
    });
  });
}

function keyCheck(mac: Buffer, headerStart: Buffer): Buffer {
  return createHmac('sha256', mac).update(headerStart).digest().subarray(0, 16);
}

function nonce(prefix: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 8);
  return n;
}

/** Checks a passphrase an admin gives before anything is read or written with it. */
export function checkPassphrase(passphrase: string): void {
  if (passphrase.length < 8) throw new BadRequestError('the backup passphrase must have at least 8 characters');
}

/** Encrypts a plaintext stream into the archive's bytes. */
export async function* encryptArchive(plain: AsyncIterable<Uint8Array>, passphrase: string, opts: { now?: number; kdf?: KdfParams } = {}): AsyncGenerator<Buffer> {
  checkPassphrase(passphrase);
  const kdf = opts.kdf ?? DEFAULT_KDF;
  const salt = randomBytes(16);
  const noncePrefix = randomBytes(8);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt16BE(FORMAT_VERSION, 8);
  header.writeUInt8(kdf.log2N, 10);
  header.writeUInt8(kdf.r, 11);
  header.writeUInt8(kdf.p, 12);
  salt.copy(header, 16);
  noncePrefix.copy(header, 32);
  header.writeBigUInt64BE(BigInt(opts.now ?? Date.now()), 40);
  const keys = await deriveKeys(passphrase, salt, kdf);
  keyCheck(keys.mac, header.subarray(0, 48)).copy(header, 48);
  yield header;
  let index = 0;
  const seal = (chunk: Buffer, final: boolean): Buffer => {
    const word = Buffer.alloc(4);
    word.writeUInt32BE((chunk.length | (final ? FINAL : 0)) >>> 0);
    const c = createCipheriv('aes-256-gcm', keys.enc, nonce(noncePrefix, index++));
    c.setAAD(Buffer.concat([header, word]));
    return Buffer.concat([word, c.update(chunk), c.final(), c.getAuthTag()]);
  };
  // One segment is held back so the last one can carry the final flag.
  let pending = Buffer.alloc(0);
  for await (const chunk of plain) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    while (pending.length > SEGMENT_BYTES) {
      yield seal(pending.subarray(0, SEGMENT_BYTES), false);
      pending = pending.subarray(SEGMENT_BYTES);
    }
  }
  yield seal(pending, true);
}

/** Reads and checks the header: magic, version (a newer one is refused by name), KDF bounds. */
export async function readHeader(r: ByteReader): Promise<Header> {
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await r.read(HEADER_BYTES, 'the header'));
  } catch (err) {
    if (err instanceof TruncatedError) throw new BadRequestError('not a Roost backup: shorter than its header (truncated or empty)');
    throw err;
  }
  if (!bytes.subarray(0, 8).equals(MAGIC)) throw new BadRequestError('not a Roost backup (no ROOSTBAK magic)');
  const version = bytes.readUInt16BE(8);
  if (version > FORMAT_VERSION) {
    throw new BadRequestError(`the archive has format version ${version}, newer than this gateway reads (${FORMAT_VERSION}): restore it with a newer Roost`);
  }
  if (version < 1) throw new BadRequestError(`the archive has an unknown format version ${version}`);
  const kdf = { log2N: bytes.readUInt8(10), r: bytes.readUInt8(11), p: bytes.readUInt8(12) };
  if (kdf.log2N < 10 || kdf.log2N > MAX_KDF.log2N || kdf.r < 1 || kdf.r > MAX_KDF.r || kdf.p < 1 || kdf.p > MAX_KDF.p) {
    throw new BadRequestError(`the archive asks for scrypt parameters out of bounds (N=2^${kdf.log2N}, r=${kdf.r}, p=${kdf.p})`);
  }
  return {
    version, kdf, bytes,
    salt: bytes.subarray(16, 32), noncePrefix: bytes.subarray(32, 40), createdAt: Number(bytes.readBigUInt64BE(40)),
  };
}

/**
 * Decrypts the segments after a header already read. Throws WrongPassphraseError before the first
 * segment, BadRequestError on a damaged or truncated archive; a caller must not use anything it
 * got before such an error (restore stages everything and keeps it only after the last segment).
 */
export async function* decryptSegments(r: ByteReader, header: Header, passphrase: string): AsyncGenerator<Buffer> {
  const keys = await deriveKeys(passphrase, header.salt, header.kdf);
  if (!timingSafeEqual(keyCheck(keys.mac, header.bytes.subarray(0, 48)), header.bytes.subarray(48, 64))) throw new WrongPassphraseError();
  for (let index = 0; ; index++) {
    let word: Buffer;
    let body: Buffer;
    try {
      word = Buffer.from(await r.read(4, 'a segment length'));
      const len = word.readUInt32BE(0) & ~FINAL;
      if (len > SEGMENT_BYTES) throw new BadRequestError(`damaged archive: segment ${index} claims ${len} bytes`);
      body = Buffer.from(await r.read(len + TAG_BYTES, `segment ${index}`));
    } catch (err) {
      if (err instanceof TruncatedError) throw new BadRequestError(`truncated archive: ${err.message}`);
      throw err;
    }
    const final = (word.readUInt32BE(0) & FINAL) !== 0;
    const d = createDecipheriv('aes-256-gcm', keys.enc, nonce(header.noncePrefix, index));
    d.setAAD(Buffer.concat([header.bytes, word]));
    d.setAuthTag(body.subarray(body.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([d.update(body.subarray(0, body.length - TAG_BYTES)), d.final()]);
    } catch {
      throw new BadRequestError(`damaged archive: segment ${index} fails its authentication tag`);
    }
    yield plain;
    if (final) break;
  }
  if (!(await r.atEnd())) throw new BadRequestError('damaged archive: bytes after the final segment');
}
