/**
 * Checks an update file (update-format.ts) as its bytes arrive, in order, without holding it: the
 * header is collected first and its Ed25519 signature checked against the trusted keys before any
 * payload byte is accepted; each payload is hashed as it passes and compared with its signed
 * SHA-256 at its last byte; bytes past the manifest's total and a stream that ends early are
 * refused. Pure: the caller writes the bytes wherever it likes once push() has accepted them.
 */
import { createHash, type Hash } from 'node:crypto';
import { BadRequestError, UnauthenticatedError } from '../errors.js';
import { FIXED_HEADER_BYTES, headerBytesNeeded, parseHeader, payloadRanges, type ParsedHeader, type PayloadEntry } from './update-format.js';
import { verify } from './update-signing.js';

type Range = PayloadEntry & { start: number; end: number };

export class UpdateStreamVerifier {
  /** The signed header, once its bytes are in and its signature holds. */
  header: ParsedHeader | null = null;
  /** Bytes accepted so far. */
  received = 0;
  private headBytes: Buffer[] = [];
  private ranges: Range[] = [];
  private current = 0;
  private hash: Hash | null = null;

  constructor(private readonly trustedKeys: ReadonlyMap<string, Uint8Array>) {}

  /**
   * Accepts the next bytes, or throws: BadRequestError for a malformed header or bytes past the
   * end, UnauthenticatedError for an unknown key, a bad signature or a payload that does not
   * match its hash. Returns true when this call completed the header (the caller may check the
   * manifest before more bytes come).
   */
  push(chunk: Buffer): boolean {
    let completedHeader = false;
    let rest = chunk;
    if (!this.header) {
      rest = this.takeHeader(chunk);
      if (!this.header) return false;
      completedHeader = true;
    }
    this.hashPayloads(rest);
    return completedHeader;
  }

  /** The stream has ended: throws BadRequestError if it was short of the manifest's size. */
  finish(): ParsedHeader {
    if (!this.header) throw new BadRequestError(`update file: truncated in its header after ${this.received} bytes`);
    if (this.received < this.header.totalBytes) throw new BadRequestError(`update file: truncated at byte ${this.received}, the manifest says ${this.header.totalBytes}`);
    return this.header;
  }

  private takeHeader(chunk: Buffer): Buffer {
    const have = this.headBytes.reduce((n, b) => n + b.length, 0);
    const fixed = Buffer.concat([...this.headBytes, chunk.subarray(0, Math.max(0, FIXED_HEADER_BYTES - have))]);
    if (fixed.length < FIXED_HEADER_BYTES) {
      this.headBytes.push(chunk);
      this.received += chunk.length;
      return Buffer.alloc(0);
    }
    const need = headerBytesNeeded(fixed);
    const take = Math.min(chunk.length, need - have);
    this.headBytes.push(chunk.subarray(0, take));
    this.received += take;
    if (have + take < need) return Buffer.alloc(0);
    const header = parseHeader(Buffer.concat(this.headBytes));
    this.headBytes = [];
    const key = this.trustedKeys.get(header.manifest.keyId);
    if (!key) throw new UnauthenticatedError(`update file: signed by key ${header.manifest.keyId}, which this device does not trust`);
    if (!verify(header.signature, header.signedBytes, key)) throw new UnauthenticatedError('update file: bad signature');
    this.header = header;
    this.ranges = payloadRanges(header);
    return chunk.subarray(take);
  }

  private hashPayloads(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) {
      const r = this.ranges[this.current];
      if (!r) throw new BadRequestError(`update file: longer than the ${this.header!.totalBytes} bytes its manifest says`);
      this.hash ??= createHash('sha256');
      const n = Math.min(bytes.length - at, r.end - this.received);
      this.hash.update(bytes.subarray(at, at + n));
      this.received += n;
      at += n;
      if (this.received === r.end) {
        if (this.hash.digest('hex') !== r.sha256) throw new UnauthenticatedError(`update file: ${r.name} payload does not match its signed SHA-256`);
        this.hash = null;
        this.current++;
      }
    }
  }
}
