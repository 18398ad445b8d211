/**
 * The downlink item a device receives (docs/protocols/coap.md "Sleepy delivery"): a CBOR map
 * {"i": id, "k": "a"|"w", "n": name, "v": input}, and the result it posts back to /a/<ep>/<id>.
 */
import { decodeCbor, encodeCbor } from '../../protocols/cbor.js';

export interface DownlinkItem {
  id: string;
  kind: 'action' | 'write';
  name: string;
  input: unknown;
}

export function parseDownlink(payload: Buffer): DownlinkItem | null {
  if (payload.length === 0) return null;
  const m = decodeCbor(payload) as Record<string, unknown>;
  if (typeof m['i'] !== 'string' || typeof m['n'] !== 'string') return null;
  return { id: m['i'], kind: m['k'] === 'w' ? 'write' : 'action', name: m['n'], input: m['v'] };
}

/** The result body: {"s": "completed", "o": output} or {"s": "failed", "e": error}. */
export function resultBody(outcome: { ok: true; output?: unknown } | { ok: false; error: string }): Buffer {
  return encodeCbor(outcome.ok ? { s: 'completed', ...(outcome.output === undefined ? {} : { o: outcome.output }) } : { s: 'failed', e: outcome.error });
}
