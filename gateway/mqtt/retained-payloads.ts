/**
 * Retained payloads in buffers of their own size (issue 20). A small Buffer made by Buffer.from()
 * is a slice of Node's shared 8 KiB pool, and a payload parsed from a socket is a slice of the
 * chunk it came in: kept as a retained message (a TD, a value, an availability, a discovery config
 * per thing, for as long as the thing exists), each pinned its whole block. Measured by heap
 * snapshots at 1,000 and 10,000 CoAP devices: ~6.7 KiB per device outside the JS heap, the largest
 * part of the gateway's memory per device (docs/fleet.md "Gateway memory per device"). Used by
 * rendered-retained.ts for what the broker keeps.
 */

/** The payload itself when it owns its memory, else an exact copy. */
export function ownedPayload(payload: Buffer): Buffer {
  if (payload.byteOffset === 0 && payload.buffer.byteLength === payload.length) return payload;
  const own = Buffer.allocUnsafeSlow(payload.length);
  payload.copy(own);
  return own;
}
