/**
 * Serial framing: a stream of telemetry frames in 64-byte chunks (a UART read size) through
 * SerialFramer (COBS + CRC) and through SerialFramer + decodeMessage (CBOR + SenML), beside
 * splitting the same stream at 0x00 with no decoding (the floor). Also the wire speed in frames/s
 * at 115200 baud, to show how far the decoder is from being the limit.
 */
import { encodeFrame } from '../../protocols/serial/serial-frame.js';
import { SerialFramer } from '../../protocols/serial/serial-framer.js';
import { decodeMessage, encodeMessage } from '../../protocols/serial/serial-messages.js';

const FRAMES = 100_000;
const CHUNK_BYTES = 64;

function stream(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const { type, payload } = encodeMessage({ kind: 'telemetry', records: [{ n: 'temp', u: 'Cel', v: 20 + (i % 100) / 10 }, { n: 'seq', v: i }] });
    parts.push(encodeFrame({ type, seq: i & 0xff, unit: 0, payload }));
  }
  return Buffer.concat(parts);
}

function rate(data: Buffer, onChunk: (c: Buffer) => number): number {
  const t = performance.now();
  let n = 0;
  for (let o = 0; o < data.length; o += CHUNK_BYTES) n += onChunk(data.subarray(o, o + CHUNK_BYTES));
  if (n !== FRAMES) throw new Error(`counted ${n} frames, sent ${FRAMES}`);
  return Math.round(FRAMES / ((performance.now() - t) / 1000));
}

export async function run(): Promise<void> {
  const data = stream();
  const floor = rate(data, (c) => {
    let n = 0;
    for (let i = c.indexOf(0); i >= 0; i = c.indexOf(0, i + 1)) n++;
    return n;
  });
  const framer = new SerialFramer();
  const framed = rate(data, (c) => framer.push(c).length);
  const framer2 = new SerialFramer();
  const decoded = rate(data, (c) => framer2.push(c).map((f) => decodeMessage(f)).length);
  const wire = Math.round(115200 / 10 / (data.length / FRAMES));
  console.log(`split at 0x00, no decoding (baseline): ${floor} frames/s`);
  console.log(`SerialFramer (COBS + CRC):             ${framed} frames/s  (${(framed / floor).toFixed(2)}x baseline)`);
  console.log(`SerialFramer + decodeMessage (SenML):  ${decoded} frames/s  (${(decoded / floor).toFixed(2)}x baseline)`);
  console.log(`115200 baud 8N1 carries at most:       ${wire} frames/s of ${(data.length / FRAMES).toFixed(1)} bytes`);
}
