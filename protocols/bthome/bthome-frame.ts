/**
 * BTHome v2 service data (UUID 0xFCD2) <-> frame: the device-info byte, an optional MAC,
 * the object list, and for encrypted frames the counter and MIC (bthome.io "Format").
 *
 *   device info: bit 0 encrypted, bit 1 MAC included, bit 2 trigger based, bits 5-7 version (2)
 *   plain:       [info][mac(6, reversed)?][objects...]
 *   encrypted:   [info][mac(6, reversed)?][ciphertext...][counter(4)][mic(4)]
 */
import { FrameInvalidError } from '../errors.js';
import {
  BTHOME_COUNTER_BYTES, BTHOME_MIC_BYTES, bthomeDecrypt, bthomeEncrypt, bthomeNonce, formatMac, parseMac,
} from './bthome-crypto.js';
import { decodeObjects, encodeObjects, type BthomeObject, type BthomeObjectInput } from './bthome-objects-codec.js';

export const BTHOME_VERSION = 2;
const FLAG_ENCRYPTED = 0x01;
const FLAG_MAC_INCLUDED = 0x02;
const FLAG_TRIGGER = 0x04;

export interface BthomeFrame {
  encrypted: boolean;
  triggerBased: boolean;
  /** Lower-case colon form: the MAC carried in the frame, else the advertiser's address. */
  mac: string;
  /** Encryption counter (encrypted frames only), read little-endian. */
  counter?: number;
  objects: BthomeObject[];
  unknownObjectId?: number;
}

export interface DecodeOptions {
  /** Advertiser address (used for the nonce when the frame carries no MAC). */
  address: string;
  /** Bind key of this device; a device with a key must send encrypted frames. */
  key?: Uint8Array;
}

/** Decodes service data. Throws FrameInvalidError with details.reason: version, truncated, no_key, plaintext_with_key, mic. */
export function decodeBthome(data: Uint8Array, opts: DecodeOptions): BthomeFrame {
  if (data.length < 1) throw new FrameInvalidError('empty BTHome service data', { reason: 'truncated' });
  const info = data[0] as number;
  const version = info >> 5;
  if (version !== BTHOME_VERSION) throw new FrameInvalidError(`BTHome version ${version} is not supported`, { reason: 'version', version });
  const encrypted = (info & FLAG_ENCRYPTED) !== 0;
  const triggerBased = (info & FLAG_TRIGGER) !== 0;
  let at = 1;
  let macBytes: Uint8Array;
  if (info & FLAG_MAC_INCLUDED) {
    if (data.length < 7) throw new FrameInvalidError('BTHome frame too short for its MAC', { reason: 'truncated' });
    macBytes = data.slice(1, 7).reverse();
    at = 7;
  } else {
    macBytes = parseMac(opts.address);
  }
  const mac = formatMac(macBytes);
  if (!encrypted) {
    // Downgrade protection: a device with a key never sends plaintext (bthome-ble does the same).
    if (opts.key) throw new FrameInvalidError('plaintext BTHome frame from a device with a bind key', { reason: 'plaintext_with_key' });
    return { encrypted, triggerBased, mac, ...decodeObjects(data.subarray(at)) };
  }
  if (!opts.key) throw new FrameInvalidError('encrypted BTHome frame and no bind key for this device', { reason: 'no_key' });
  const tail = BTHOME_COUNTER_BYTES + BTHOME_MIC_BYTES;
  if (data.length < at + tail) throw new FrameInvalidError('encrypted BTHome frame too short', { reason: 'truncated' });
  const ciphertext = data.subarray(at, data.length - tail);
  const counterBytes = data.subarray(data.length - tail, data.length - BTHOME_MIC_BYTES);
  const mic = data.subarray(data.length - BTHOME_MIC_BYTES);
  const plaintext = bthomeDecrypt(opts.key, bthomeNonce(macBytes, info, counterBytes), ciphertext, mic);
  const counter = Buffer.from(counterBytes).readUInt32LE(0);
  return { encrypted, triggerBased, mac, counter, ...decodeObjects(plaintext) };
}

export interface EncodeOptions {
  objects: readonly BthomeObjectInput[];
  triggerBased?: boolean;
  /** Put the MAC into the frame (bit 1). */
  includeMac?: boolean;
  /** Needed for encryption and includeMac. */
  mac?: string;
  key?: Uint8Array;
  /** Encryption counter; the device must increase it for every frame. */
  counter?: number;
}

/** Encodes service data (the device side: firmware-sim, tests). */
export function encodeBthome(opts: EncodeOptions): Uint8Array {
  const info = (BTHOME_VERSION << 5) | (opts.key ? FLAG_ENCRYPTED : 0) | (opts.includeMac ? FLAG_MAC_INCLUDED : 0) | (opts.triggerBased ? FLAG_TRIGGER : 0);
  const plain = encodeObjects(opts.objects);
  const macBytes = opts.mac ? parseMac(opts.mac) : undefined;
  if ((opts.key || opts.includeMac) && !macBytes) throw new FrameInvalidError('encryption and includeMac need the MAC');
  const head = [Uint8Array.of(info), ...(opts.includeMac && macBytes ? [macBytes.slice().reverse()] : [])];
  if (!opts.key || !macBytes) return Buffer.concat([...head, plain]);
  const counter = Buffer.alloc(BTHOME_COUNTER_BYTES);
  counter.writeUInt32LE((opts.counter ?? 0) >>> 0, 0);
  const { ciphertext, mic } = bthomeEncrypt(opts.key, bthomeNonce(macBytes, info, counter), plain);
  return Buffer.concat([...head, ciphertext, counter, mic]);
}
