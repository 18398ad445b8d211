/**
 * BTHome frame decoding: plain and encrypted frames through decodeBthome, beside the bare
 * AES-128-CCM decryption of the same bytes by node:crypto (the floor for encrypted frames).
 */
import { createDecipheriv } from 'node:crypto';
import { bthomeNonce, parseBindKey, parseMac } from '../../protocols/bthome/bthome-crypto.js';
import { decodeBthome, encodeBthome } from '../../protocols/bthome/bthome-frame.js';

const FRAMES = 200_000;
const ADDRESS = '54:48:e6:8f:80:a5';

function rate(fn: () => void): number {
  for (let i = 0; i < 5000; i++) fn();
  const t = performance.now();
  for (let i = 0; i < FRAMES; i++) fn();
  return Math.round(FRAMES / ((performance.now() - t) / 1000));
}

export async function run(): Promise<void> {
  const key = parseBindKey('231d39c1d7cc1ab1aee224cd096db932');
  const objects = [{ id: 0x00, value: 7 }, { id: 0x01, value: 90 }, { id: 0x02, value: 21.5 }, { id: 0x03, value: 44.2 }];
  const plain = encodeBthome({ objects });
  const enc = encodeBthome({ objects, key, mac: ADDRESS, counter: 5 });
  const nonce = bthomeNonce(parseMac(ADDRESS), enc[0] as number, enc.subarray(enc.length - 8, enc.length - 4));
  const bare = () => {
    const d = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: 4 });
    d.setAuthTag(enc.subarray(enc.length - 4));
    d.update(enc.subarray(1, enc.length - 8));
    d.final();
  };
  const baseline = rate(bare);
  const encrypted = rate(() => decodeBthome(enc, { address: ADDRESS, key }));
  const plainRate = rate(() => decodeBthome(plain, { address: ADDRESS }));
  console.log(`bare aes-128-ccm decrypt (baseline): ${baseline} frames/s`);
  console.log(`decodeBthome encrypted:              ${encrypted} frames/s  (${(encrypted / baseline).toFixed(2)}x baseline)`);
  console.log(`decodeBthome plain:                  ${plainRate} frames/s  (${(plainRate / baseline).toFixed(2)}x baseline)`);
}
