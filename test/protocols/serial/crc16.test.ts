import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CRC16_KERMIT_CHECK, crc16Kermit } from '../../../protocols/serial/crc16.js';
import { VECTORS, hex } from './vectors.js';

describe('CRC-16/KERMIT', () => {
  it('has the catalogue check value 0x2189 over "123456789"', () => {
    assert.equal(crc16Kermit(Buffer.from('123456789')), 0x2189);
    assert.equal(CRC16_KERMIT_CHECK, 0x2189);
    assert.equal(VECTORS.crc16.check, '0x2189');
  });

  it('matches a bitwise reference implementation on random data', () => {
    const bitwise = (b: Uint8Array) => {
      let c = 0;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
      }
      return c;
    };
    let seed = 7;
    for (let n = 0; n < 200; n++) {
      const data = Buffer.alloc(n % 70, 0).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
      assert.equal(crc16Kermit(data), bitwise(data));
    }
  });

  it('continues over split input', () => {
    const all = Buffer.from('123456789');
    assert.equal(crc16Kermit(all.subarray(4), crc16Kermit(all.subarray(0, 4))), 0x2189);
  });

  for (const v of VECTORS.crc16.vectors) {
    it(`vector: ${v.name}`, () => {
      const data = v.ascii !== undefined ? Buffer.from(v.ascii) : hex(v.hex ?? '');
      assert.equal(crc16Kermit(data).toString(16).padStart(4, '0'), v.crc);
    });
  }
});
