/**
 * BTHome v2 encryption: AES-128-CCM with a 4-byte MIC and no associated data.
 * Nonce (13 bytes) = MAC (6, as written, most significant first) + UUID16 (D2 FC, little-endian)
 * + device-info byte + counter (4 bytes, as sent). bthome.io "Encryption".
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { FrameInvalidError } from '../errors.js';

export const BTHOME_KEY_BYTES = 16;
export const BTHOME_MIC_BYTES = 4;
export const BTHOME_COUNTER_BYTES = 4;

/** "54:48:E6:8F:80:A5" or "5448e68f80a5" -> 6 bytes, most significant first. */
export function parseMac(mac: string): Uint8Array {
  const hex = mac.replace(/[:-]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) throw new FrameInvalidError(`not a MAC address: ${mac}`, { mac });
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** 6 bytes, most significant first -> "54:48:e6:8f:80:a5". */
export function formatMac(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1:');
}

/** 32 hex characters -> 16-byte key; throws FrameInvalidError naming no key material. */
export function parseBindKey(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new FrameInvalidError('a bind key is 32 hexadecimal characters');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function bthomeNonce(mac: Uint8Array, deviceInfo: number, counter: Uint8Array): Buffer {
  return Buffer.concat([mac, Uint8Array.of(0xd2, 0xfc, deviceInfo), counter]);
}

export function bthomeEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): { ciphertext: Uint8Array; mic: Uint8Array } {
  const cipher = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: BTHOME_MIC_BYTES });
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, mic: cipher.getAuthTag() };
}

/** Throws FrameInvalidError (details.reason = 'mic') when the MIC does not verify. */
export function bthomeDecrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, mic: Uint8Array): Uint8Array {
  const decipher = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: BTHOME_MIC_BYTES });
  decipher.setAuthTag(mic);
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    throw new FrameInvalidError('BTHome frame does not authenticate (wrong bind key or corrupted)', { reason: 'mic' });
  }
  return plaintext;
}
