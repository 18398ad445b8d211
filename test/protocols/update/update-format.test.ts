import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../../../protocols/errors.js';
import {
  encodeSignedHeader, headerBytesNeeded, parseHeader, payloadRanges, UPDATE_LIMITS, validateManifest, type UpdateManifest,
} from '../../../protocols/update/update-format.js';

const MANIFEST: UpdateManifest = {
  product: 'roost',
  arch: 'amd64',
  version: '0.1.0',
  commit: 'abc',
  createdAt: '2026-01-01T00:00:00.000Z',
  keyId: '0123456789abcdef',
  cmdline: 'console=ttyS0',
  payloads: [
    { name: 'kernel', size: 3, sha256: 'a'.repeat(64) },
    { name: 'initrd', size: 5, sha256: 'b'.repeat(64) },
    { name: 'rootfs', size: 7, sha256: 'c'.repeat(64) },
  ],
};

function withSignature(signed: Buffer): Buffer {
  return Buffer.concat([signed, Buffer.alloc(64, 0x5a)]);
}

test('the fixed header is byte-exact: magic, version 1, flags 0, manifest length', () => {
  const signed = encodeSignedHeader(MANIFEST);
  const json = Buffer.from(JSON.stringify(MANIFEST));
  assert.equal(signed.subarray(0, 16).toString('hex'), `524f4f5354555044` + '0001' + '0000' + json.length.toString(16).padStart(8, '0'));
  assert.deepEqual(signed.subarray(16), json);
});

test('parse round trip: manifest, signature, payload offsets and total size', () => {
  const head = withSignature(encodeSignedHeader(MANIFEST));
  const h = parseHeader(head);
  assert.deepEqual(h.manifest, MANIFEST);
  assert.equal(h.signature.length, 64);
  assert.equal(h.payloadOffset, head.length);
  assert.equal(h.totalBytes, head.length + 15);
  assert.deepEqual(payloadRanges(h).map((r) => [r.name, r.start - h.payloadOffset, r.end - h.payloadOffset]), [['kernel', 0, 3], ['initrd', 3, 8], ['rootfs', 8, 15]]);
});

test('a header cut at every offset is refused with BadRequestError', () => {
  const head = withSignature(encodeSignedHeader(MANIFEST));
  for (let n = 0; n < head.length; n++) {
    assert.throws(() => parseHeader(head.subarray(0, n)), BadRequestError, `cut at ${n}`);
  }
});

test('bad magic, unknown version, flags and manifest lengths are refused', () => {
  const good = withSignature(encodeSignedHeader(MANIFEST));
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    ['magic', (b) => b.write('XOOSTUPD', 0, 'ascii'), /bad magic/],
    ['version', (b) => b.writeUInt16BE(2, 8), /format version 2/],
    ['flags', (b) => b.writeUInt16BE(1, 10), /unknown flags/],
    ['length 0', (b) => b.writeUInt32BE(0, 12), /manifest length 0/],
    ['length too big', (b) => b.writeUInt32BE(UPDATE_LIMITS.maxManifestBytes + 1, 12), /manifest length/],
    ['not JSON', (b) => b.write('!', 16, 'ascii'), /not UTF-8 JSON/],
    ['not UTF-8', (b) => b.writeUInt8(0xff, 20), /not UTF-8 JSON/],
  ];
  for (const [name, mutate, re] of cases) {
    const b = Buffer.from(good);
    mutate(b);
    assert.throws(() => parseHeader(b), (e: unknown) => e instanceof BadRequestError && re.test(e.message), name);
  }
  assert.throws(() => headerBytesNeeded(Buffer.alloc(3)), /truncated/);
});

test('each invalid manifest field is named', () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['product', { product: 'other' }],
    ['arch', { arch: 'riscv64' }],
    ['version', { version: 1 }],
    ['keyId', { keyId: 'ABC' }],
    ['cmdline', { cmdline: 'a\nb' }],
    ['payloads', { payloads: [] }],
    ['payloads[0].name', { payloads: [{ name: 'boot', size: 1, sha256: 'a'.repeat(64) }] }],
    ['payloads[0].size', { payloads: [{ name: 'kernel', size: 0, sha256: 'a'.repeat(64) }] }],
    ['payloads[0].size', { payloads: [{ name: 'kernel', size: 1.5, sha256: 'a'.repeat(64) }] }],
    ['payloads[0].sha256', { payloads: [{ name: 'kernel', size: 1, sha256: 'A'.repeat(64) }] }],
    ['appears twice', { payloads: [MANIFEST.payloads[0], MANIFEST.payloads[0], MANIFEST.payloads[2]] }],
    ['has no initrd', { payloads: [MANIFEST.payloads[0], MANIFEST.payloads[2]] }],
  ];
  for (const [field, patch] of bad) {
    assert.throws(() => validateManifest({ ...MANIFEST, ...patch }), (e: unknown) => e instanceof BadRequestError && e.message.includes(field), field);
  }
  assert.throws(() => validateManifest([]), /not a JSON object/);
});
