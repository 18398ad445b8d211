import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCbor } from '../../../protocols/cbor.js';
import { CborMalformedError, FrameInvalidError, SenmlInvalidError } from '../../../protocols/errors.js';
import { KIND_BY_CODE, MESSAGE_TABLE, decodeMessage, encodeMessage, type SerialMessage } from '../../../protocols/serial/serial-messages.js';
import { VECTORS, fromJsonBody, hex, jsonBody } from './vectors.js';

const frame = (type: number, payload: Buffer) => ({ type, seq: 0, unit: 0, payload });

describe('serial message codec', () => {
  it('gives every message type a distinct code', () => {
    const codes = Object.values(MESSAGE_TABLE).map((m) => m.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(KIND_BY_CODE.size, codes.length);
  });

  for (const v of VECTORS.frames) {
    it(`vector: ${v.name}`, () => {
      const msg = decodeMessage({ type: v.type, seq: v.seq, unit: v.unit, payload: hex(v.payload) });
      assert.equal(msg.kind, v.kind);
      const body = msg.kind === 'ack' ? null : msg.kind === 'telemetry' ? msg.records : msg.body;
      assert.deepEqual(jsonBody(body), v.body);
      // And back: the body of the vector encodes to the same payload bytes.
      const again = (v.kind === 'telemetry'
        ? { kind: 'telemetry', records: fromJsonBody(v.body) }
        : v.kind === 'ack' ? { kind: 'ack' } : { kind: v.kind, body: fromJsonBody(v.body) }) as SerialMessage;
      const enc = encodeMessage(again);
      assert.equal(enc.type, v.type);
      assert.equal(enc.payload.toString('hex'), v.payload);
    });
  }

  it('accepts 64-bit CBOR integers as numbers (a C device may send uint64)', () => {
    const payload = hex('a261741b0000000065920080626d7318fa'); // {t: uint64 1704067200, ms: 250}
    assert.deepEqual(decodeMessage(frame(2, payload)), { kind: 'time', body: { t: 1704067200, ms: 250 } });
  });

  it('ignores unknown fields (a newer peer may add some)', () => {
    const msg = decodeMessage(frame(10, encodeCbor({ l: 1, m: 'x', zz: 5 })));
    assert.equal(msg.kind, 'log');
  });

  it('rejects with typed errors: unknown type, missing field, wrong type, non-map, bad CBOR, bad SenML, bad describe', () => {
    const reason = (r: string) => (e: unknown) => e instanceof FrameInvalidError && e.details?.['reason'] === r;
    assert.throws(() => decodeMessage(frame(0x7e, Buffer.alloc(0))), reason('type'));
    assert.throws(() => decodeMessage(frame(0, hex('00'))), reason('payload'));
    assert.throws(() => decodeMessage(frame(7, encodeCbor({ s: 0 }))), /field "i" is required/);
    assert.throws(() => decodeMessage(frame(1, encodeCbor({ id: 'a', fw: '1', pv: -1 }))), /field "pv" must be uint/);
    assert.throws(() => decodeMessage(frame(6, encodeCbor([1, 2]))), reason('payload'));
    assert.throws(() => decodeMessage(frame(6, hex('a2616901'))), CborMalformedError);
    assert.throws(() => decodeMessage(frame(4, encodeCbor({ n: 'x' }))), SenmlInvalidError);
    assert.throws(() => decodeMessage(frame(3, encodeCbor({ p: { 'bad name': {} } }))), /bad affordance name/);
    assert.throws(() => decodeMessage(frame(3, encodeCbor({ p: { temp: { y: 'float' } } }))), /describe\.p\.temp\.y/);
    assert.throws(() => encodeMessage({ kind: 'write', body: { i: 'x', n: 'led' } as never }), /field "v" is required/);
  });

  it('reads an empty payload as a request for hello, time and describe, and as an empty wake', () => {
    assert.deepEqual(decodeMessage(frame(1, Buffer.alloc(0))), { kind: 'hello', body: null });
    assert.deepEqual(decodeMessage(frame(2, Buffer.alloc(0))), { kind: 'time', body: null });
    assert.deepEqual(decodeMessage(frame(3, Buffer.alloc(0))), { kind: 'describe', body: null });
    assert.deepEqual(decodeMessage(frame(9, Buffer.alloc(0))), { kind: 'wake', body: {} });
    assert.throws(() => decodeMessage(frame(7, Buffer.alloc(0))), CborMalformedError);
  });
});
