/**
 * CRC-16/KERMIT (the Rocksoft catalogue name; also "CRC-16/CCITT-TRUE"): width 16, poly 0x1021
 * reflected (0x8408), init 0x0000, refin/refout true, xorout 0x0000, check 0x2189 over the ASCII
 * bytes "123456789". Sent least significant byte first (docs/protocols/serial.md "Frame").
 */

/** The catalogue check value: crc16Kermit("123456789"). */
export const CRC16_KERMIT_CHECK = 0x2189;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-16/KERMIT of `bytes` (optionally continuing from `crc`). */
export function crc16Kermit(bytes: Uint8Array, crc = 0): number {
  let c = crc & 0xffff;
  for (let i = 0; i < bytes.length; i++) c = (c >>> 8) ^ TABLE[(c ^ bytes[i]!) & 0xff]!;
  return c;
}
