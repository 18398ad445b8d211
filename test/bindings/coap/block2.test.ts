import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsBlock2, sliceBlock2 } from '../../../bindings/coap/block2.js';
import type { CoapMessage, OutMessage } from '../../../bindings/coap/coap-message.js';

const body = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
const req = (block2?: { num: number; szx: number; more: boolean }) => ({ block2 }) as unknown as CoapMessage;
const out = () => ({ type: 'ACK', code: '2.05', mid: 1, token: Buffer.alloc(0) }) as OutMessage;

describe('Block2 slicing (RFC 7959 §2.2, §2.4)', () => {
  it('slices only success answers that are larger than a block or asked for in blocks', () => {
    assert.equal(needsBlock2(body, '2.05', 64, req()), true);
    assert.equal(needsBlock2(body, '2.05', 128, req()), false);
    assert.equal(needsBlock2(body, '2.05', 128, req({ num: 0, szx: 2, more: false })), true);
    assert.equal(needsBlock2(body, '4.04', 16, req()), false);
    assert.equal(needsBlock2(undefined, '2.05', 16, req()), false);
  });

  it('answers block 0 with Size2 at our size, and the block the client asks for at its smaller size', () => {
    const first = out();
    assert.equal(sliceBlock2(first, body, 2, req()), true); // SZX 2: 64 bytes
    assert.deepEqual([first.payload?.length, first.block2, first.size2], [64, { num: 0, more: true, szx: 2 }, 100]);

    const second = out();
    assert.equal(sliceBlock2(second, body, 2, req({ num: 1, szx: 2, more: false })), true);
    assert.deepEqual([second.payload, second.block2, second.size2], [body.subarray(64), { num: 1, more: false, szx: 2 }, undefined]);

    // The client asks for 16-byte blocks (SZX 0): block 3 is bytes 48..63.
    const small = out();
    assert.equal(sliceBlock2(small, body, 2, req({ num: 3, szx: 0, more: false })), true);
    assert.deepEqual([small.payload, small.block2], [body.subarray(48, 64), { num: 3, more: true, szx: 0 }]);
  });

  it('refuses a block past the end of the body', () => {
    assert.equal(sliceBlock2(out(), body, 2, req({ num: 2, szx: 2, more: false })), false);
  });
});
