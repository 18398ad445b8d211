/**
 * The protected examples of docs/protocols/coap.md "Security" are what the binding's OSCORE layer
 * makes of the plain registration example, and verify with the gateway's context.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { encodeMessage, parseMessage } from '../../../bindings/coap/coap-message.js';
import { outerFields, requestContent, responseContent, withContent } from '../../../bindings/coap/oscore-content.js';
import { deriveContext, protectRequest, protectResponse, ReplayWindow, unprotectRequest, unprotectResponse } from '../../../protocols/oscore/index.js';

const doc = readFileSync(new URL('../../../docs/protocols/coap.md', import.meta.url), 'utf8');
const security = doc.slice(doc.indexOf('## Security'), doc.indexOf('## Errors'));
const hexBlocks = (text: string) => [...text.matchAll(/```\n([0-9a-f ]+(?:\n[0-9a-f ]+)*)\n```/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'hex'));
const secret = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const salt = Buffer.from('9e7ca92223786340', 'hex');
const device = deriveContext({ masterSecret: secret, masterSalt: salt, senderId: Buffer.from([1]), recipientId: Buffer.alloc(0) });
const gateway = deriveContext({ masterSecret: secret, masterSalt: salt, senderId: Buffer.alloc(0), recipientId: Buffer.from([1]) });

describe('docs/protocols/coap.md Security examples', () => {
  const plainRegistration = hexBlocks(doc).find((b) => b.subarray(0, 6).equals(Buffer.from('41021234a1b2', 'hex')))!;
  const [req, ans, echo] = hexBlocks(security);

  it('the protected registration is the plain one protected with seq 6, and the gateway reads it back', () => {
    const plain = parseMessage(plainRegistration);
    const { message, exchange } = protectRequest(device, requestContent(plain), 6);
    assert.equal(encodeMessage({ type: 'CON', mid: 0x1234, token: Buffer.from([0xa1]), ...outerFields(message) }).toString('hex'), req!.toString('hex'));
    const outer = parseMessage(req!);
    const u = unprotectRequest(requestContent(outer), () => ({ context: gateway, replay: new ReplayWindow() }));
    const inner = withContent(outer, u.message);
    assert.deepEqual([inner.code, inner.uriPath, inner.uriQuery, inner.contentFormat, inner.payload.toString()], [plain.code, ['rd'], ['ep=node7', 'lt=3600', 'b=UQ'], 40, plain.payload.toString()]);
    assert.equal([req!.length, plainRegistration.length].join(), '113,99');

    const answer = protectResponse(gateway, exchange, responseContent({ code: '2.01', locationPath: ['rd', '1'] }));
    assert.equal(encodeMessage({ type: 'ACK', mid: 0x1234, token: Buffer.from([0xa1]), ...outerFields(answer) }).toString('hex'), ans!.toString('hex'));
    const back = withContent(parseMessage(ans!), unprotectResponse(device, exchange, responseContent(parseMessage(ans!))));
    assert.deepEqual([back.code, back.locationPath], ['2.01', ['rd', '1']]);

    const ch = withContent(parseMessage(echo!), unprotectResponse(device, exchange, responseContent(parseMessage(echo!))));
    assert.deepEqual([ch.code, ch.echo?.toString('hex'), parseMessage(echo!).oscore?.toString('hex')], ['4.01', '0001020304050607', '0100']);
  });
});
