import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate, parse } from 'coap-packet';
import { decodeBlock, encodeBlock, encodeMessage, parseMessage, type OutMessage } from '../../../bindings/coap/coap-message.js';
import { FrameInvalidError } from '../../../protocols/errors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('CoAP message codec (RFC 7252 §3)', () => {
  it('encodes a CON POST with token, two Uri-Path, Content-Format and payload, byte for byte', () => {
    const bytes = encodeMessage({ type: 'CON', code: '0.02', mid: 0x1234, token: hex('ab'), uriPath: ['t', 'ep1'], contentFormat: 112, payload: hex('0102') });
    // 41: ver 1, CON, TKL 1 | 02: POST | 1234 | ab | b1 't' (Uri-Path 11) | 03 'ep1' (delta 0) | 11 70 (Content-Format 12 = 112) | ff 0102
    assert.equal(bytes.toString('hex'), '41021234ab' + 'b174' + '03657031' + '1170' + 'ff0102');
    const m = parseMessage(bytes);
    assert.deepEqual([m.type, m.code, m.mid, m.token.toString('hex'), m.uriPath, m.contentFormat, m.payload.toString('hex')], ['CON', '0.02', 0x1234, 'ab', ['t', 'ep1'], 112, '0102']);
  });

  it('writes one-byte and two-byte extended option deltas and lengths (RFC 7252 §3.1)', () => {
    // ACK 4.13, Size1 (60) = 1024: delta 60 -> nibble 13 + (60 - 13 = 0x2f), length 2.
    assert.equal(encodeMessage({ type: 'ACK', code: '4.13', mid: 1, size1: 1024 }).toString('hex'), '608d0001' + 'd22f0400');
    const path20 = 'abcdefghijklmnopqrst';
    // Uri-Path of 20 bytes: length nibble 13, extension 20 - 13 = 7.
    assert.equal(encodeMessage({ type: 'NON', code: '0.01', mid: 2, uriPath: [path20] }).subarray(4, 6).toString('hex'), 'bd07');
    const path300 = 'x'.repeat(300);
    // 300 bytes: length nibble 14, extension 300 - 269 = 0x001f.
    const long = encodeMessage({ type: 'NON', code: '0.01', mid: 3, uriPath: [path300] });
    assert.equal(long.subarray(4, 7).toString('hex'), 'be001f');
    assert.deepEqual(parseMessage(long).uriPath, [path300]);
  });

  it('agrees with coap-packet (an independent codec) both ways', () => {
    const cases: OutMessage[] = [
      { type: 'CON', code: '0.01', mid: 7, token: hex('0102030405060708'), uriPath: ['.well-known', 'core'], uriQuery: ['rt=core.rd*'] },
      { type: 'NON', code: '2.05', mid: 65535, token: hex('09'), observe: 70000, contentFormat: 60, payload: hex('a1617401') },
      { type: 'ACK', code: '2.01', mid: 9, token: hex('aabb'), locationPath: ['rd', '17'] },
      { type: 'ACK', code: '2.05', mid: 10, contentFormat: 40, block2: { num: 3, more: true, szx: 2 }, size2: 1500, payload: Buffer.alloc(64, 0x41) },
      { type: 'CON', code: '0.02', mid: 11, uriPath: ['t', 'dev'], block1: { num: 1000, more: false, szx: 6 }, payload: Buffer.alloc(700, 1) },
      { type: 'CON', code: '0.01', mid: 12, uriPath: ['v', 'e', 'temp'], accept: 60, maxAge: 0 },
      { type: 'RST', code: '0.00', mid: 13 },
    ];
    for (const c of cases) {
      const ours = encodeMessage(c);
      const options = [
        ...(c.observe !== undefined ? [{ name: 'Observe', value: encodeUint(c.observe) }] : []),
        ...(c.locationPath ?? []).map((s) => ({ name: 'Location-Path', value: Buffer.from(s) })),
        ...(c.uriPath ?? []).map((s) => ({ name: 'Uri-Path', value: Buffer.from(s) })),
        ...(c.contentFormat !== undefined ? [{ name: 'Content-Format', value: encodeUint(c.contentFormat) }] : []),
        ...(c.maxAge !== undefined ? [{ name: 'Max-Age', value: encodeUint(c.maxAge) }] : []),
        ...(c.uriQuery ?? []).map((s) => ({ name: 'Uri-Query', value: Buffer.from(s) })),
        ...(c.accept !== undefined ? [{ name: 'Accept', value: encodeUint(c.accept) }] : []),
        ...(c.block2 ? [{ name: 'Block2', value: encodeBlock(c.block2) }] : []),
        ...(c.block1 ? [{ name: 'Block1', value: encodeBlock(c.block1) }] : []),
        ...(c.size2 !== undefined ? [{ name: 'Size2', value: encodeUint(c.size2) }] : []),
      ] as Parameters<typeof generate>[0]['options'];
      const theirs = generate({
        code: c.code, messageId: c.mid, token: c.token ?? Buffer.alloc(0), confirmable: c.type === 'CON', ack: c.type === 'ACK', reset: c.type === 'RST',
        options, payload: c.payload ?? Buffer.alloc(0),
      }, 65507);
      assert.equal(ours.toString('hex'), theirs.toString('hex'), `${c.type} ${c.code} ${c.mid}`);
      const back = parseMessage(theirs);
      const p = parse(ours);
      assert.deepEqual([back.code, back.mid, back.token.toString('hex'), back.payload.toString('hex')], [p.code, p.messageId, p.token.toString('hex'), p.payload.toString('hex')]);
      assert.deepEqual(back.uriPath, c.uriPath ?? []);
      assert.deepEqual(back.block2, c.block2);
      assert.deepEqual(back.block1, c.block1);
      assert.equal(back.observe, c.observe);
    }
  });

  it('rejects malformed datagrams with FrameInvalidError at every truncation, never another error', () => {
    const full = encodeMessage({ type: 'CON', code: '0.02', mid: 5, token: hex('0102'), uriPath: ['t', 'x'.repeat(20)], uriQuery: ['y'.repeat(300)], contentFormat: 112, payload: hex('80') });
    let parsed = 0;
    for (let cut = 0; cut < full.length; cut++) {
      try {
        parseMessage(full.subarray(0, cut));
        parsed++; // a cut on an option boundary is a shorter valid message
      } catch (err) {
        assert.ok(err instanceof FrameInvalidError, `cut ${cut}: ${String(err)}`);
      }
    }
    assert.ok(parsed >= 1 && parsed < 6, `parsed ${parsed} prefixes`);
    const bad: Array<[string, string]> = [
      ['8002000a', 'version 2'],
      ['49020001', 'TKL 9 is reserved (RFC 7252 §3)'],
      ['42020001aa', 'shorter than its token'],
      ['40020001ff', 'payload marker with no payload'],
      ['40020001f0', 'option delta 15'],
      ['400200010f', 'option length 15'],
      ['40020001bd', 'extended length byte missing'],
      ['40020001b5616263', 'option value past the end'],
      ['40000001ff01', 'an empty message with bytes after the header (RFC 7252 §4.1)'],
    ];
    for (const [h, why] of bad) assert.throws(() => parseMessage(hex(h)), FrameInvalidError, why);
  });

  it('names an unsupported critical option (RFC 7252 §5.4.1) and skips unknown elective ones', () => {
    // CON GET mid 7, option 5 (If-None-Match, critical), empty.
    assert.throws(() => parseMessage(hex('4001000750')), (err: unknown) => err instanceof FrameInvalidError && err.details?.['option'] === 5);
    // Option 4 (ETag, elective) and 258 (No-Response, elective) are ignored.
    const m = parseMessage(hex('40010007' + '41aa' + 'd0f1' + 'ff01'));
    assert.deepEqual([m.code, m.payload.toString('hex')], ['0.01', '01']);
    // Uri-Host (3) and Uri-Port (7) are critical and accepted.
    assert.deepEqual(parseMessage(hex('40010007' + '3161' + '41' + '16' + '4174')).uriPath, ['t']);
  });

  it('keeps the OSCORE option (RFC 8613 §2) and Echo (RFC 9175 §2.2), and writes them back in option order', () => {
    // RFC 8613 C.4's protected request: Uri-Host, OSCORE 09 14, ciphertext.
    const m = parseMessage(hex('44025d1f00003974396c6f63616c686f73746209 14ff612f1092f1776f1c1668b3825e'.replace(' ', '')));
    assert.equal(m.oscore?.toString('hex'), '0914');
    assert.equal(m.payload.toString('hex'), '612f1092f1776f1c1668b3825e');
    // ACK 4.01 with an empty OSCORE option, Uri-Path t, Echo 0102 (delta 252-11 = 241: 13 + 228).
    const out = encodeMessage({ type: 'ACK', code: '4.01', mid: 1, oscore: Buffer.alloc(0), uriPath: ['t'], echo: hex('0102') });
    assert.equal(out.toString('hex'), '6081000190' + '2174' + 'd2e40102');
    const back = parseMessage(out);
    assert.deepEqual([back.oscore?.length, back.uriPath, back.echo?.toString('hex')], [0, ['t'], '0102']);
  });

  it('decodes Block values (RFC 7959 §2.2) and refuses SZX 7', () => {
    assert.deepEqual(decodeBlock(hex('1e')), { num: 1, more: true, szx: 6 });
    assert.deepEqual(decodeBlock(Buffer.alloc(0)), { num: 0, more: false, szx: 0 });
    assert.equal(encodeBlock({ num: 4096, more: false, szx: 2 }).toString('hex'), '010002');
    assert.throws(() => decodeBlock(hex('07')), FrameInvalidError);
    assert.throws(() => decodeBlock(hex('01020304')), FrameInvalidError);
  });

  it('refuses to encode what cannot be sent', () => {
    assert.throws(() => encodeMessage({ type: 'CON', code: '0.01', mid: 1, token: Buffer.alloc(9) }), FrameInvalidError);
    assert.throws(() => encodeMessage({ type: 'CON', code: '9.99', mid: 1 }), FrameInvalidError);
    assert.throws(() => encodeMessage({ type: 'NON', code: '2.05', mid: 1, payload: Buffer.alloc(65507) }), FrameInvalidError);
  });
});

function encodeUint(n: number): Buffer {
  const out: number[] = [];
  for (; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return Buffer.from(out);
}
