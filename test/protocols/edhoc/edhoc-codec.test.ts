/** EDHOC codec pieces: strict CBOR reader, identifiers, ID_CRED, credentials, messages, errors, transport framing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoostError } from '../../../protocols/errors.js';
import { readSequence } from '../../../protocols/edhoc/edhoc-cbor.js';
import { decodeIdentifier, encodeIdentifier } from '../../../protocols/edhoc/edhoc-identifiers.js';
import {
  EDHOC_OPTION_NUMBER,
  EdhocError,
  ccsCredential,
  encodeCidPayload,
  encodeCombinedPayload,
  encodeErrorMessage,
  encodeIdCred,
  encodeIdCredCompact,
  encodeMessage1,
  idCredOf,
  kdfInfo,
  makeCcs,
  parseCidPayload,
  parseErrorMessage,
  parseMessage1,
  splitCombinedPayload,
  x509Credential,
  type EdhocReason,
} from '../../../protocols/edhoc/index.js';
import { bytesOf, hexOf, loadVectors, type TraceVectors } from './vectors.js';

const h = (s: string): Uint8Array => Buffer.from(s.replace(/\s/g, ''), 'hex');

function rejects(fn: () => unknown, reason: EdhocReason): void {
  assert.throws(fn, (err: unknown) => err instanceof EdhocError && err.reason === reason);
}

describe('strict CBOR reader (RFC 8949 §4.2.1, RFC 9528 Appendix C.1)', () => {
  it('reads the item kinds EDHOC uses, with their byte spans', () => {
    const items = readSequence(h('01 1818 37 3818 f5 40 4212cd 6431326364 a10441cd 830102f5'));
    assert.deepEqual(items.map((i) => i.type), ['int', 'int', 'int', 'int', 'simple', 'bstr', 'bstr', 'tstr', 'map', 'array']);
    assert.deepEqual(items.slice(0, 4).map((i) => (i.type === 'int' ? i.value : null)), [1, 24, -24, -25]);
    assert.deepEqual([items[8]?.start, items[8]?.end], [16, 20]);
  });

  it('refuses non-shortest arguments, indefinite lengths, tags, floats, repeated map keys', () => {
    for (const bad of ['1803', '190003', '5801ff', '9f0102ff', '5f4101ff', 'c11a00000000', 'f93c00', 'fb3ff0000000000000', 'a2010201 03', 'f7']) {
      rejects(() => readSequence(h(bad)), 'malformed');
    }
  });

  it('calls a cut item truncated, at every cut point', () => {
    const whole = h('5820' + '11'.repeat(32));
    for (let n = 1; n < whole.length; n++) rejects(() => readSequence(whole.subarray(0, n)), 'truncated');
  });

  it('bounds nesting', () => {
    rejects(() => readSequence(h('81'.repeat(20) + '00')), 'malformed');
  });
});

describe('identifiers (RFC 9528 §3.3.2) and compact kid (§3.5.3.2)', () => {
  it('encodes the RFC examples', () => {
    const cases: [string, string][] = [['21', '21'], ['0d', '0d'], ['18', '4118'], ['38', '4138'], ['abcd', '42abcd'], ['', '40'], ['37', '37'], ['17', '17']];
    for (const [id, wire] of cases) {
      assert.equal(hexOf(encodeIdentifier(h(id))), wire, id);
      const [item] = readSequence(h(wire));
      assert.equal(hexOf(decodeIdentifier(h(wire), item as never, 'C_x')), id);
    }
  });

  it('refuses the surplus bstr form of a one-byte integer and integers outside -24..23', () => {
    for (const wire of ['4121', '410d', '1818', '3818']) {
      const [item] = readSequence(h(wire));
      rejects(() => decodeIdentifier(h(wire), item as never, 'C_x'), 'malformed');
    }
  });

  it('writes ID_CRED { 4: kid } compact: h\'FF\' as 0x41FF, h\'21\' as 0x21', () => {
    assert.equal(hexOf(encodeIdCredCompact({ kind: 'kid', kid: h('ff') })), '41ff');
    assert.equal(hexOf(encodeIdCredCompact({ kind: 'kid', kid: h('21') })), '21');
  });
});

describe('credentials', () => {
  const v = loadVectors<TraceVectors>('rfc9529-trace2.json').values;

  it('parses the RFC 9529 §3.4 CCS and rebuilds it byte for byte', () => {
    const cred = ccsCredential(bytesOf(v, 'CRED_R (CBOR data item)'));
    assert.equal(cred.subject, 'example.edu');
    assert.equal(hexOf(cred.kid as Uint8Array), '32');
    assert.equal(cred.publicKey.crv, 'p256');
    const again = makeCcs(cred.publicKey, { sub: 'example.edu', kid: h('32') });
    assert.equal(hexOf(again.bytes), hexOf(cred.bytes));
    assert.equal(again.fingerprint, cred.fingerprint);
    assert.match(cred.fingerprint, /^[0-9a-f]{64}$/);
  });

  it('identifies an X.509 certificate by x5t = SHA-256/64 of its DER (RFC 9529 §2.2)', () => {
    const t1 = loadVectors<TraceVectors>('rfc9529-trace1.json').values;
    const cred = x509Credential(bytesOf(t1, 'CRED_R'));
    assert.equal(hexOf(encodeIdCred(idCredOf(cred, 'x5t'))), hexOf(bytesOf(t1, 'ID_CRED_R (CBOR data item)')));
    assert.equal(hexOf(cred.bytes), hexOf(bytesOf(t1, 'CRED_R (CBOR data item)')));
    assert.match(cred.subject ?? '', /EDHOC Responder Ed25519/);
  });

  it('refuses a CCS without a usable COSE_Key', () => {
    rejects(() => ccsCredential(h('a10278')), 'truncated');
    rejects(() => ccsCredential(h('a1026161')), 'unsupported_credential');
  });
});

describe('messages', () => {
  it('round-trips message_1 with SUITES_I as int and as array, and EAD', () => {
    const m = { method: 3, suites: [6, 2], gX: new Uint8Array(32).fill(7), cI: h('37'), ead: [{ label: 0 }, { label: -5, value: h('0102') }] };
    const bytes = encodeMessage1(m);
    assert.equal(hexOf(bytes).slice(0, 8), '03820602');
    const back = parseMessage1(bytes);
    assert.deepEqual({ ...back, gX: hexOf(back.gX), cI: hexOf(back.cI) }, { ...m, gX: hexOf(m.gX), cI: '37', ead: [{ label: 0 }, { label: -5, value: Buffer.from('0102', 'hex') }] });
    assert.equal(hexOf(encodeMessage1({ ...m, suites: [2], ead: [] })).slice(0, 4), '0302');
  });

  it('builds the info CBOR sequence of EDHOC_KDF (RFC 9529 §2.5: 0a 40 18 20)', () => {
    assert.equal(hexOf(kdfInfo(10, new Uint8Array(0), 32)), '0a401820');
  });
});

describe('EDHOC error messages (RFC 9528 §6)', () => {
  it('maps each reason to its ERR_CODE and ERR_INFO', () => {
    assert.equal(hexOf(new EdhocError('unsupported_suite', undefined, { suitesR: [2] }).toErrorMessage() as Uint8Array), '0202');
    assert.equal(hexOf(new EdhocError('unsupported_suite', undefined, { suitesR: [0, 2] }).toErrorMessage() as Uint8Array), '02820002');
    assert.equal(hexOf(new EdhocError('unknown_credential').toErrorMessage() as Uint8Array), '03f5');
    const unspecified = new EdhocError('mac_mismatch').toErrorMessage() as Uint8Array;
    assert.deepEqual(parseErrorMessage(unspecified), { errCode: 1, errInfo: 'Authentication failed' });
    assert.equal(new EdhocError('peer_error').toErrorMessage(), null);
  });

  it('is a RoostError with the shared table\'s wire status (4.00 client error, 5.00 internal)', () => {
    const e = new EdhocError('truncated');
    assert.ok(e instanceof RoostError);
    assert.deepEqual([e.code, e.httpStatus, e.coapCode, e.reason], ['ROOST_ERR_BAD_REQUEST', 400, '4.00', 'truncated']);
    assert.equal(new EdhocError('internal').coapCode, '5.00');
  });

  it('parses ERR_INFO by code', () => {
    assert.deepEqual(parseErrorMessage(h('02820602')), { errCode: 2, errInfo: [6, 2] });
    assert.deepEqual(parseErrorMessage(encodeErrorMessage(3, true)), { errCode: 3, errInfo: true });
    rejects(() => parseErrorMessage(h('01')), 'malformed');
  });
});

describe('CoAP payload framing (RFC 9528 Appendix A.2, RFC 9668 §3)', () => {
  it('prefixes message_1 with true and message_3 with C_R', () => {
    assert.equal(hexOf(encodeCidPayload(true, h('0300'))), 'f50300');
    assert.equal(hexOf(encodeCidPayload(h('18'), h('4100'))), '41184100');
    const p = parseCidPayload(h('27' + '52' + 'aa'.repeat(18)));
    assert.equal(hexOf(p.cid as Uint8Array), '27');
    assert.equal(p.message.length, 19);
    assert.equal(parseCidPayload(h('f50300')).cid, true);
  });

  it('splits and rebuilds the RFC 9668 §3.4 EDHOC + OSCORE request byte for byte', () => {
    const v = loadVectors<Record<string, string>>('rfc9668-combined-request.json');
    const coap = h(v.coapMessage as string);
    assert.equal(coap.length, 46);
    // CoAP header 4 bytes, token 4, OSCORE option (delta 9, length 3), EDHOC option, payload marker.
    assert.equal(hexOf(coap.subarray(9, 12)), v.oscoreOptionValue);
    assert.equal(coap[12], 0xc0);
    assert.equal((0xc0 >> 4) + 9, EDHOC_OPTION_NUMBER); // delta 12 after option 9, empty
    assert.equal(coap[13], 0xff);
    const payload = coap.subarray(14);
    const { message3, oscorePayload } = splitCombinedPayload(payload);
    assert.equal(hexOf(message3), v.edhocMessage3);
    assert.equal(hexOf(oscorePayload), v.oscoreCiphertext);
    assert.equal(hexOf(encodeCombinedPayload(message3, oscorePayload)), hexOf(payload));
    // The kid (client Sender ID 0x01) is C_R; sent sequentially it would be the CBOR int 0x01.
    assert.equal(hexOf(encodeIdentifier(h(v.senderId as string))), v.cREncoded);
  });

  it('refuses a combined payload without a leading bstr or without OSCORE data', () => {
    rejects(() => splitCombinedPayload(h('01020304')), 'malformed');
    rejects(() => splitCombinedPayload(h('4101')), 'malformed');
  });
});
