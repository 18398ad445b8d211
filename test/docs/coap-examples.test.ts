/**
 * Every byte-exact example in docs/protocols/coap.md is a well-formed CoAP message, and the ones
 * this test knows by their first bytes say what the text around them says.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseMessage } from '../../bindings/coap/coap-message.js';
import { decodeCbor } from '../../protocols/cbor.js';

const doc = readFileSync(new URL('../../docs/protocols/coap.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```\n([0-9a-f ]+(?:\n[0-9a-f ]+)*)\n```/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'hex'));

describe('docs/protocols/coap.md examples', () => {
  it('has the examples', () => assert.ok(blocks.length >= 8, `found ${blocks.length}`));

  it('every hex block parses as a CoAP message', () => {
    for (const b of blocks) assert.doesNotThrow(() => parseMessage(b), b.toString('hex'));
  });

  it('the 4.04 tells the device to register again; the 2.01 carries an item with m; a repeated result is the same bytes', () => {
    const msgs = blocks.map((b) => parseMessage(b));
    const notFound = msgs.find((m) => m.code === '4.04');
    assert.match(notFound!.payload.toString(), /^ROOST_ERR_DEVICE_NOT_FOUND/);
    const created = msgs.find((m) => m.code === '2.01' && m.payload.length > 0);
    assert.deepEqual(created!.locationPath, ['rd', '1']);
    assert.deepEqual(decodeCbor(created!.payload), { i: 'act-1', k: 'a', n: 'blink', v: { times: 3 }, m: 1 });
    const results = msgs.filter((m) => m.uriPath[0] === 'a');
    assert.ok(results.length >= 2);
    assert.ok(results.every((r) => r.payload.equals(results[0]!.payload)), 'a repeat posts the remembered result unchanged');
  });
});
