import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCbor } from '../../../protocols/cbor.js';
import { CborMalformedError, SenmlInvalidError } from '../../../protocols/errors.js';
import {
  LABEL_BY_CBOR,
  SENML_LABELS,
  decodeSenmlCbor,
  decodeSenmlJson,
  encodeSenmlCbor,
  encodeSenmlJson,
  resolveSenml,
  resolvedValue,
  type SenmlRecord,
} from '../../../protocols/senml/index.js';

// RFC 8428 §6: the CBOR representation of the §5.1.3 example, as printed in the RFC (encoded by
// the RFC authors' encoder, which picked a half float for 1.5).
const RFC_8428_S6_HEX =
  '87a721781b75726e3a6465763a6f773a3130653230373361303130383030363a22fb41d303a15b00106223614120050067766f6c74616765' +
  '01615602fb405e066666666666a3006763757272656e74062402fb3ff3333333333333a3006763757272656e74062302fb3ff4cccccccccccd' +
  'a3006763757272656e74062202fb3ff6666666666666a3006763757272656e74062102f93e00a3006763757272656e74062002fb3ff999999999999a' +
  'a3006763757272656e74060002fb3ffb333333333333';

// RFC 8428 §5.1.3 (JSON of the same pack).
const RFC_S513: SenmlRecord[] = [
  { bn: 'urn:dev:ow:10e2073a0108006:', bt: 1.276020076001e9, bu: 'A', bver: 5, n: 'voltage', u: 'V', v: 120.1 },
  { n: 'current', t: -5, v: 1.2 },
  { n: 'current', t: -4, v: 1.3 },
  { n: 'current', t: -3, v: 1.4 },
  { n: 'current', t: -2, v: 1.5 },
  { n: 'current', t: -1, v: 1.6 },
  { n: 'current', t: 0, v: 1.7 },
];

describe('SenML label table (RFC 8428 §6 Table 4)', () => {
  it('has the registered CBOR labels', () => {
    const want: Record<string, number> = { bver: -1, bn: -2, bt: -3, bu: -4, bv: -5, bs: -6, n: 0, u: 1, v: 2, vs: 3, vb: 4, s: 5, t: 6, ut: 7, vd: 8 };
    assert.deepEqual(Object.fromEntries(SENML_LABELS.map((l) => [l.json, l.cbor])), want);
    assert.equal(LABEL_BY_CBOR.size, SENML_LABELS.length);
  });
});

describe('SenML+CBOR', () => {
  it('decodes the RFC 8428 §6 vector byte for byte into the §5.1.3 records', () => {
    assert.deepEqual(decodeSenmlCbor(Buffer.from(RFC_8428_S6_HEX, 'hex')), RFC_S513);
  });

  it('encodes the §5.1.3 records to the RFC 8428 §6 bytes (cbor-x writes every non-integer as float64; the RFC wrote 1.5 as float16)', () => {
    const want = RFC_8428_S6_HEX.replace('f93e00', 'fb3ff8000000000000');
    assert.equal(encodeSenmlCbor(RFC_S513).toString('hex'), want);
  });

  it('encodes with no tag 259, no records extension, plain byte strings', () => {
    const bytes = encodeSenmlCbor([{ n: 'nfc-reader', vd: new Uint8Array([0x68, 0x69]) }]);
    // [ {0: "nfc-reader", 8: h'6869'} ]
    assert.equal(bytes.toString('hex'), '81a2006a6e66632d726561646572084268' + '69');
  });

  it('round-trips every value type', () => {
    const pack: SenmlRecord[] = [
      { bn: 'dev1/', bt: 1700000000, bu: 'Cel', bv: 20, bs: 100, bver: 10, n: 'temp', v: 1.25, t: 1, ut: 60 },
      { n: 'label', vs: 'Machine Room' },
      { n: 'open', vb: false },
      { n: 'blob', vd: new Uint8Array([0, 255, 7]) },
      { n: 'energy', s: 42 },
    ];
    const back = decodeSenmlCbor(encodeSenmlCbor(pack));
    assert.deepEqual(back.map((r) => ({ ...r, ...(r.vd ? { vd: [...r.vd] } : {}) })), pack.map((r) => ({ ...r, ...(r.vd ? { vd: [...r.vd] } : {}) })));
  });

  it('is read back as SenML by the plain CBOR decoder (integer keys, no tags)', () => {
    const plain = decodeCbor(encodeSenmlCbor([{ n: 'a', v: 1 }])) as Array<Record<string, unknown>>;
    assert.deepEqual(plain, [{ '0': 'a', '2': 1 }]);
  });

  it('rejects malformed CBOR with CborMalformedError at every truncation', () => {
    const full = Buffer.from(RFC_8428_S6_HEX, 'hex');
    for (let cut = 0; cut < full.length; cut++) {
      assert.throws(() => decodeSenmlCbor(full.subarray(0, cut)), (e: unknown) => e instanceof CborMalformedError || e instanceof SenmlInvalidError, `cut ${cut}`);
    }
    assert.throws(() => decodeSenmlCbor(Buffer.from('ff', 'hex')), CborMalformedError);
    assert.throws(() => decodeSenmlCbor(Buffer.from('8100', 'hex')), SenmlInvalidError); // [0]: record not a map
    assert.throws(() => decodeSenmlCbor(Buffer.from('a100', 'hex')), CborMalformedError); // truncated map
  });

  it('rejects records whose values have the wrong type', () => {
    // [ {0: 1, 2: 1} ]: Name must be a text string
    assert.throws(() => decodeSenmlCbor(Buffer.from('81a200010201', 'hex')), /Name \(n\) must be a string/);
    // [ {0: "a", 2: "x"} ]
    assert.throws(() => decodeSenmlCbor(Buffer.from('81a20061610261' + '78', 'hex')), SenmlInvalidError);
    // [ {0: "a", 8: "x"} ]: vd must be a byte string in CBOR
    assert.throws(() => decodeSenmlCbor(Buffer.from('81a200616108617' + '8', 'hex')), /byte string/);
  });

  it('ignores unknown labels but rejects must-understand ones (RFC 8428 §4.4)', () => {
    // [ {0:"a", 2:1, "foo":1} ]
    assert.deepEqual(decodeSenmlCbor(Buffer.from('81a3006161020163666f6f01', 'hex')), [{ n: 'a', v: 1 }]);
    // [ {0:"a", 2:1, "foo_":1} ]
    assert.throws(() => decodeSenmlCbor(Buffer.from('81a3006161020164666f6f5f01', 'hex')), /must-understand/);
  });

  it('limits the number of records', () => {
    const pack = Array.from({ length: 5 }, () => ({ n: 'a', v: 1 }));
    assert.throws(() => decodeSenmlCbor(encodeSenmlCbor(pack), { maxRecords: 4 }), /limit 4/);
    assert.throws(() => decodeSenmlCbor(Buffer.from('80', 'hex')), /empty SenML pack/);
    assert.throws(() => decodeSenmlCbor(Buffer.from('a0', 'hex')), /must be an array/);
  });
});

describe('SenML+JSON', () => {
  it('decodes and encodes the RFC 8428 §5.1.1 single datapoint', () => {
    const text = '[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]';
    const recs = decodeSenmlJson(text);
    assert.deepEqual(recs, [{ n: 'urn:dev:ow:10e2073a01080063', u: 'Cel', v: 23.1 }]);
    assert.equal(encodeSenmlJson(recs), text);
  });

  it('decodes the RFC 8428 §5.1.5 multiple data types, vd as base64url', () => {
    const text = `[
      {"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},
      {"n":"label","vs":"Machine Room"},
      {"n":"open","vb":false},
      {"n":"nfc-reader","vd":"aGkgCg"}
    ]`;
    const recs = decodeSenmlJson(Buffer.from(text));
    assert.equal(Buffer.from(recs[3]?.vd ?? []).toString(), 'hi \n');
    assert.equal(encodeSenmlJson(recs), text.replace(/\s+(?=[{\]])|\n/g, '').replace(/,\s+/g, ','));
  });

  it('gives the same records as SenML+CBOR for the §5.1.3 example', () => {
    const text = JSON.stringify(RFC_S513);
    assert.deepEqual(decodeSenmlJson(text), decodeSenmlCbor(Buffer.from(RFC_8428_S6_HEX, 'hex')));
  });

  it('rejects malformed JSON and bad shapes with SenmlInvalidError', () => {
    for (const bad of ['', '[', '{"n":"a"}', '[1]', '[null]', '[{"n":"a","vd":"%%"}]', '[{"n":"a","v":"1"}]', '[{"n":"a","v":1,"x_":1}]']) {
      assert.throws(() => decodeSenmlJson(bad), SenmlInvalidError, bad);
    }
  });
});

describe('resolution (RFC 8428 §4.6)', () => {
  it('resolves the §5.1.3 pack as in §5.1.4', () => {
    const r = resolveSenml(RFC_S513, 1.8e9);
    assert.equal(r.length, 7);
    assert.deepEqual(r[0], { n: 'urn:dev:ow:10e2073a0108006:voltage', t: 1.276020076001e9, u: 'V', v: 120.1 });
    assert.deepEqual(r[1], { n: 'urn:dev:ow:10e2073a0108006:current', t: 1.276020071001e9, u: 'A', v: 1.2 });
    assert.deepEqual(r[6], { n: 'urn:dev:ow:10e2073a0108006:current', t: 1.276020076001e9, u: 'A', v: 1.7 });
  });

  it('adds Base Value and Base Sum, and base fields persist until set again', () => {
    const r = resolveSenml(
      [
        { bn: 'a:', bv: 100, bs: 1000, n: 'x', v: 1, t: 1.7e9 },
        { n: 'y', v: 2, s: 5, t: 1.7e9 },
        { bn: 'b:', bv: 0, n: 'z', v: 3, t: 1.7e9 },
      ],
      0,
    );
    assert.deepEqual(r.map((x) => [x.n, x.v, x.s]), [['a:x', 101, undefined], ['a:y', 102, 1005], ['b:z', 3, undefined]]);
  });

  it('makes times below 2**28 relative to now (§4.5.3)', () => {
    const r = resolveSenml([{ n: 'a', v: 1 }, { n: 'a', v: 2, t: -10 }], 1_700_000_000);
    assert.deepEqual(r.map((x) => x.t), [1_700_000_000, 1_699_999_990]);
  });

  it('rejects invalid names, missing or double values, and newer versions', () => {
    assert.throws(() => resolveSenml([{ n: '-a', v: 1 }], 0), /invalid name/);
    assert.throws(() => resolveSenml([{ n: 'a b', v: 1 }], 0), /invalid name/);
    assert.throws(() => resolveSenml([{ v: 1 }], 0), /invalid name ""/);
    assert.throws(() => resolveSenml([{ n: 'a' }], 0), /no value and no sum/);
    assert.throws(() => resolveSenml([{ n: 'a', v: 1, vs: 'x' }], 0), /more than one value/);
    assert.throws(() => resolveSenml([{ bver: 11, n: 'a', v: 1 }], 0), /version 11/);
  });

  it('refuses sums that overflow to Infinity: Base Time + Time, Base Value + Value, Base Sum + Sum (found by fuzzing)', () => {
    const inRange = (f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof SenmlInvalidError && /out of range/.test(e.message));
    inRange(() => resolveSenml([{ bt: 1.7e308, n: 'a', t: 1.7e308, v: 1 }], 1.8e9));
    inRange(() => resolveSenml([{ bt: -1.7e308, n: 'a', t: -1.7e308, v: 1 }], 1.8e9));
    inRange(() => resolveSenml([{ n: 'a', t: 1e306, v: 1 }], 1.8e9)); // finite in seconds, Infinity in ms
    inRange(() => resolveSenml([{ bv: 1.7e308, n: 'a', v: 1.7e308 }], 1.8e9));
    inRange(() => resolveSenml([{ bs: -1.7e308, n: 'a', s: -1.7e308 }], 1.8e9));
    assert.equal(resolveSenml([{ bv: 1e308, n: 'a', v: -1e308 }], 0)[0]!.v, 0);
  });

  it('picks the value whichever field carries it', () => {
    const r = resolveSenml([{ n: 'a', vs: 'x' }, { n: 'b', vb: true }, { n: 'c', s: 4 }], 0);
    assert.deepEqual(r.map(resolvedValue), ['x', true, 4]);
  });
});
