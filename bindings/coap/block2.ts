/**
 * Block2 (RFC 7959 §2.2, §2.4) for a response body larger than one block, or when the client
 * asked for a block: slices the answer the client asked for into `out`, in place (no copies of
 * the message object: this runs for every answer). Answers false when the requested block lies
 * past the end of the body (the caller answers 4.02).
 */
import { blockSize, type CoapMessage, type OutMessage } from './coap-message.js';

export function needsBlock2(body: Buffer | undefined, code: string, blockSizeBytes: number, req: CoapMessage): body is Buffer {
  return body !== undefined && (body.length > blockSizeBytes || req.block2 !== undefined) && code.startsWith('2.');
}

/** Our SZX is `szx`; the client may ask for a smaller one. */
export function sliceBlock2(out: OutMessage, body: Buffer, szx: number, req: CoapMessage): boolean {
  const wantSzx = req.block2 ? Math.min(req.block2.szx, szx) : szx;
  const size = blockSize(wantSzx);
  // RFC 7959 §2.4: the client asks for block NUM of its size; at a smaller size that is block NUM * ratio.
  const num = req.block2 ? (req.block2.num * blockSize(req.block2.szx)) / size : 0;
  const start = num * size;
  if (start >= body.length && body.length > 0) return false;
  out.payload = body.subarray(start, start + size);
  out.block2 = { num, more: start + size < body.length, szx: wantSzx };
  if (num === 0) out.size2 = body.length;
  return true;
}
