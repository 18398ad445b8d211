/**
 * Block-wise transfers for the simulated device (RFC 7959): the Block1/Block2 option value,
 * the receiving side of a Block1 upload (firmware Package writes), matched by sender and path
 * rather than by token (libcoap sends a new token per block, §2.4 allows it), and a Block2
 * download loop (firmware Package URI pulls).
 */
import { PayloadTooLargeError } from '../../protocols/errors.js';
import { optionUint, uintBytes, type Address, type CoapPeer, type InResponse } from './coap-peer.js';

export interface BlockValue {
  num: number;
  more: boolean;
  /** Block size in bytes, 16..1024 (SZX 0..6). */
  size: number;
}

/** RFC 7959 §2.2: NUM << 4 | M << 3 | SZX. */
export function readBlock(p: { options: InResponse['options'] }, name: 'Block1' | 'Block2'): BlockValue | undefined {
  const v = optionUint(p, name);
  if (v === undefined) return undefined;
  const szx = v & 0x07;
  // §2.2: SZX 7 is reserved.
  if (szx === 7) return undefined;
  return { num: v >>> 4, more: (v & 0x08) !== 0, size: 1 << (szx + 4) };
}

export function blockOption(b: BlockValue): Buffer {
  return uintBytes((b.num << 4) | (b.more ? 0x08 : 0) | (Math.log2(b.size) - 4));
}

interface Upload {
  chunks: Buffer[];
  received: number;
  nextNum: number;
  size: number;
  at: number;
}

export type Block1Result = { kind: 'continue'; block: BlockValue } | { kind: 'done'; body: Buffer; block: BlockValue } | { kind: 'incomplete' };

/** Reassembles Block1 uploads per sender and path; bounded in size and in time. */
export class Block1Assembler {
  private readonly uploads = new Map<string, Upload>();

  constructor(
    private readonly maxBytes: number,
    private readonly idleMs = 60_000,
  ) {}

  /** Feeds one block; throws PayloadTooLargeError (4.13) past the limit. */
  feed(from: Address, path: string, block: BlockValue, payload: Buffer): Block1Result {
    const key = `${from.host}:${from.port}${path}`;
    const now = Date.now();
    for (const [k, u] of this.uploads) if (now - u.at > this.idleMs) this.uploads.delete(k);
    let up = this.uploads.get(key);
    if (block.num === 0) {
      up = { chunks: [], received: 0, nextNum: 0, size: block.size, at: now };
      this.uploads.set(key, up);
    }
    // §2.5: a block out of sequence is answered 4.08 Request Entity Incomplete.
    if (!up || block.num !== up.nextNum) return { kind: 'incomplete' };
    if (up.received + payload.length > this.maxBytes) {
      this.uploads.delete(key);
      throw new PayloadTooLargeError(`upload larger than ${this.maxBytes} bytes`, { maxBytes: this.maxBytes });
    }
    up.chunks.push(payload);
    up.received += payload.length;
    // §2.3: the block number counts in units of the block size in use; a smaller size re-scales it.
    up.nextNum = (up.received / block.size) | 0;
    up.at = now;
    if (block.more) return { kind: 'continue', block: { num: block.num, more: true, size: block.size } };
    this.uploads.delete(key);
    return { kind: 'done', body: Buffer.concat(up.chunks), block: { num: block.num, more: false, size: block.size } };
  }
}

/**
 * GETs `path` from `to` block by block (RFC 7959 §2.4, late negotiation from block 0 at
 * `size`), up to `maxBytes`. Resolves with the body, or rejects naming the failing code.
 */
export async function pullBlockwise(peer: CoapPeer, to: Address, path: string[], size: number, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (let num = 0, blockSize = size; ; ) {
    const res = await peer.request(to, { method: 'GET', path, options: [{ name: 'Block2', value: blockOption({ num, more: false, size: blockSize }) }] });
    if (!res.code.startsWith('2.')) throw new Error(`download answered ${res.code}`);
    total += res.payload.length;
    if (total > maxBytes) throw new PayloadTooLargeError(`download larger than ${maxBytes} bytes`);
    chunks.push(res.payload);
    const b = readBlock(res, 'Block2');
    if (!b || !b.more) return Buffer.concat(chunks);
    // The server may answer smaller blocks than asked (§2.4): continue at its size.
    blockSize = b.size;
    num = total / blockSize;
  }
}

/**
 * The block of a response body a request asked for (RFC 7959 §2.2): the whole body when it
 * fits one block and none was asked, `undefined` when the block lies past the end (4.02).
 */
export function sliceBlock2(body: Buffer, asked: BlockValue | undefined, maxSize = 1024): { payload: Buffer; block?: BlockValue } | undefined {
  if (!asked && body.length <= maxSize) return { payload: body };
  const size = Math.min(asked?.size ?? maxSize, maxSize);
  const num = asked?.num ?? 0;
  const start = num * size;
  if (start >= body.length && !(start === 0 && body.length === 0)) return undefined;
  return { payload: body.subarray(start, start + size), block: { num, more: start + size < body.length, size } };
}
