import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError, UnauthenticatedError } from '../../../protocols/errors.js';
import { UpdateStreamVerifier } from '../../../protocols/update/update-stream-verifier.js';
import { generateKeyPair } from '../../../protocols/update/update-signing.js';
import { chunked, makeUpdateFile } from '../../helpers/update-file.js';

const trusted = (k: { keyId: string; publicKey: Uint8Array }): Map<string, Uint8Array> => new Map([[k.keyId, k.publicKey]]);

test('a good file passes in any chunking; the header is reported once, with its manifest', () => {
  const u = makeUpdateFile();
  for (const size of [1, 7, 4096, u.bytes.length]) {
    const v = new UpdateStreamVerifier(trusted(u.key));
    let headers = 0;
    for (const c of chunked(u.bytes, size)) if (v.push(c)) headers++;
    assert.equal(headers, 1, `chunks of ${size}`);
    assert.deepEqual(v.finish().manifest, u.manifest);
    assert.equal(v.received, u.bytes.length);
  }
});

test('a wrong signature is refused as soon as the header is in, before any payload byte', () => {
  const u = makeUpdateFile();
  const other = generateKeyPair();
  const forged = makeUpdateFile({ key: other });
  // Same key id as the trusted key, signature from another key.
  const bytes = Buffer.from(forged.bytes);
  const m = bytes.readUInt32BE(12);
  const good = makeUpdateFile({ key: u.key, payloads: forged.payloads });
  good.bytes.copy(bytes, 0, 0, 16 + m);
  const v = new UpdateStreamVerifier(trusted(u.key));
  const headerEnd = 16 + m + 64;
  assert.throws(() => v.push(bytes.subarray(0, headerEnd + 1)), (e: unknown) => e instanceof UnauthenticatedError && /bad signature/.test(e.message));
  assert.equal(v.header, null);
});

test('an unknown key, a tampered payload, bytes past the end and a short stream each fail with their error', () => {
  const u = makeUpdateFile();
  assert.throws(() => new UpdateStreamVerifier(new Map()).push(u.bytes), (e: unknown) => e instanceof UnauthenticatedError && /does not trust/.test(e.message));

  const tampered = Buffer.from(u.bytes);
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 10) ^ 1, tampered.length - 10);
  const v1 = new UpdateStreamVerifier(trusted(u.key));
  assert.throws(() => { for (const c of chunked(tampered, 1000)) v1.push(c); }, (e: unknown) => e instanceof UnauthenticatedError && /rootfs payload/.test(e.message));

  const v2 = new UpdateStreamVerifier(trusted(u.key));
  assert.throws(() => v2.push(Buffer.concat([u.bytes, Buffer.from([0])])), (e: unknown) => e instanceof BadRequestError && /longer than/.test(e.message));

  const v3 = new UpdateStreamVerifier(trusted(u.key));
  v3.push(u.bytes.subarray(0, u.bytes.length - 1));
  assert.throws(() => v3.finish(), (e: unknown) => e instanceof BadRequestError && /truncated at byte/.test(e.message));

  const v4 = new UpdateStreamVerifier(trusted(u.key));
  v4.push(u.bytes.subarray(0, 20));
  assert.throws(() => v4.finish(), (e: unknown) => e instanceof BadRequestError && /truncated in its header/.test(e.message));
  assert.throws(() => new UpdateStreamVerifier(trusted(u.key)).push(Buffer.from('NOTROOST'.repeat(3))), BadRequestError);
});
