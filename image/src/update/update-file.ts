/**
 * Update files on disk: pack (build machine) and open + authenticate + stream payloads (device).
 * Payloads are streamed in fixed chunks, never held whole in memory.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { BadRequestError, UnauthenticatedError } from '../../../protocols/errors.js';
import {
  encodeSignedHeader, FIXED_HEADER_BYTES, headerBytesNeeded, parseHeader, payloadRanges,
  type ParsedHeader, type PayloadEntry, type PayloadName, type UpdateManifest,
} from './update-format.js';
import { sign, verify, type KeyPair } from './signing.js';

const COPY_CHUNK_BYTES = 1024 * 1024;

/** Calls fn for each chunk of [start, end) of an open file. */
function forEachChunk(fd: number, start: number, end: number, fn: (chunk: Buffer) => void): void {
  const buf = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  let at = start;
  while (at < end) {
    const n = readSync(fd, buf, 0, Math.min(COPY_CHUNK_BYTES, end - at), at);
    if (n === 0) throw new BadRequestError(`update file: truncated at byte ${at}, expected ${end}`);
    fn(buf.subarray(0, n));
    at += n;
  }
}

function sha256File(path: string): { size: number; sha256: string } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const h = createHash('sha256');
    forEachChunk(fd, 0, size, (c) => h.update(c));
    return { size, sha256: h.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

export interface PackInput {
  manifest: Omit<UpdateManifest, 'payloads' | 'keyId'>;
  /** Payload files by name, written in this order. */
  files: Array<{ name: PayloadName; path: string }>;
  key: KeyPair;
}

/** Writes a signed update file; returns its manifest. */
export function packUpdate(outPath: string, input: PackInput): UpdateManifest {
  const payloads: PayloadEntry[] = input.files.map((f) => ({ name: f.name, ...sha256File(f.path) }));
  const manifest: UpdateManifest = { ...input.manifest, keyId: input.key.keyId, payloads };
  const signed = encodeSignedHeader(manifest);
  const out = openSync(outPath, 'w', 0o644);
  try {
    writeSync(out, signed);
    writeSync(out, sign(signed, input.key.secretKey));
    for (const f of input.files) {
      const fd = openSync(f.path, 'r');
      try {
        forEachChunk(fd, 0, fstatSync(fd).size, (c) => writeSync(out, c));
      } finally {
        closeSync(fd);
      }
    }
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
  return manifest;
}

/** An opened, signature-checked update file. Payload bytes are checked as they are streamed. */
export interface VerifiedUpdate {
  path: string;
  header: ParsedHeader;
  manifest: UpdateManifest;
}

/**
 * Reads the header, checks the Ed25519 signature against the trusted keys and the file size.
 * Throws BadRequestError (malformed) or UnauthenticatedError (unknown key, bad signature).
 */
export function openUpdate(path: string, trustedKeys: ReadonlyMap<string, Uint8Array>): VerifiedUpdate {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new BadRequestError(`update file: cannot open ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const fixed = Buffer.alloc(FIXED_HEADER_BYTES);
    const got = readSync(fd, fixed, 0, FIXED_HEADER_BYTES, 0);
    const need = headerBytesNeeded(fixed.subarray(0, got));
    const head = Buffer.alloc(need);
    const n = readSync(fd, head, 0, need, 0);
    const header = parseHeader(head.subarray(0, n));
    const key = trustedKeys.get(header.manifest.keyId);
    if (!key) throw new UnauthenticatedError(`update file: signed by key ${header.manifest.keyId}, which this device does not trust`);
    if (!verify(header.signature, header.signedBytes, key)) throw new UnauthenticatedError('update file: bad signature');
    const size = statSync(path).size;
    if (size !== header.totalBytes) throw new BadRequestError(`update file: ${size} bytes, the manifest says ${header.totalBytes}`);
    return { path, header, manifest: header.manifest };
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams one payload into sink chunk by chunk and checks its SHA-256 against the signed manifest.
 * Throws UnauthenticatedError on a mismatch: the caller must not use what the sink received.
 */
export function streamPayload(u: VerifiedUpdate, name: PayloadName, sink: (chunk: Buffer) => void): PayloadEntry {
  const range = payloadRanges(u.header).find((p) => p.name === name);
  if (!range) throw new BadRequestError(`update file: no ${name} payload`);
  const h = createHash('sha256');
  const fd = openSync(u.path, 'r');
  try {
    forEachChunk(fd, range.start, range.end, (c) => {
      h.update(c);
      sink(c);
    });
  } finally {
    closeSync(fd);
  }
  if (h.digest('hex') !== range.sha256) throw new UnauthenticatedError(`update file: ${name} payload does not match its signed SHA-256`);
  return range;
}

/** Reads a small payload (kernel, initrd) whole, checked. */
export function readPayload(u: VerifiedUpdate, name: PayloadName): Buffer {
  const chunks: Buffer[] = [];
  streamPayload(u, name, (c) => chunks.push(Buffer.from(c)));
  return Buffer.concat(chunks);
}
