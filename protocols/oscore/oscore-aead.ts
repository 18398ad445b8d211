/**
 * AES-CCM-16-64-128 (RFC 8152 §10.2) through node:crypto: ciphertext || 8-byte tag, as the COSE
 * object's ciphertext field carries it (RFC 8613 §5, §6.2).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AES_CCM_16_64_128 } from './oscore-context.js';
import { OscoreError } from './oscore-errors.js';

const { tagBytes } = AES_CCM_16_64_128;
/** RFC 3610 §2: with a 13-byte nonce the length field has 2 bytes, so a plaintext is below 2^16 bytes. */
export const MAX_PLAINTEXT_BYTES = 0xffff;

export function seal(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  if (plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new OscoreError('unprotectable', `plaintext of ${plaintext.length} bytes; AES-CCM-16-64-128 takes at most ${MAX_PLAINTEXT_BYTES}`);
  }
  const cipher = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Verifies and decrypts; any failure (short input, wrong tag) is `decrypt_failed` (RFC 8613 §8.2 step 6). */
export function open(key: Buffer, nonce: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
  if (ciphertext.length < tagBytes) {
    throw new OscoreError('decrypt_failed', `ciphertext of ${ciphertext.length} bytes is shorter than the ${tagBytes}-byte tag`);
  }
  const body = ciphertext.subarray(0, ciphertext.length - tagBytes);
  try {
    const decipher = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: tagBytes });
    decipher.setAuthTag(ciphertext.subarray(body.length));
    decipher.setAAD(aad, { plaintextLength: body.length });
    const plain = decipher.update(body);
    decipher.final();
    return plain;
  } catch (err) {
    throw new OscoreError('decrypt_failed', undefined, undefined, { cause: err });
  }
}
