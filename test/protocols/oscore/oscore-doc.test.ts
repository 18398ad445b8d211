/**
 * docs/protocols/oscore.md stays true: its Roost example (a telemetry uplink protected with the
 * device convention: kid 0x01, gateway Sender ID h'') is recomputed here and by the independent
 * Python peer, every hex value it prints is checked, and its shell example runs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  decodeCoapDatagram,
  deriveContext,
  encodeAadArray,
  encodeCoapDatagram,
  exchangeAad,
  kdfInfo,
  protectRequest,
  protectResponse,
  ReplayWindow,
  unprotectRequest,
  type CoapContent,
  type CoapDatagram,
  type OscoreContextInput,
} from '../../../protocols/oscore/index.js';
import { extractExamples, outputMatches, runExamples } from '../../helpers/doc-examples.js';
import { contextSpec, exchangeSpec, startPythonPeer, type PythonPeer } from './python-peer-client.js';
import { VECTORS, hex } from './vectors.js';

const DOC = readFileSync(new URL('../../../docs/protocols/oscore.md', import.meta.url), 'utf8');
/** The document with all white space removed: hex printed in spaced groups and over line breaks matches. */
const flat = DOC.replace(/\s+/g, '').toLowerCase();
const inDoc = (b: Buffer | string, what: string): void => assert.ok(flat.includes(typeof b === 'string' ? b : b.toString('hex')), `${what} not in docs/protocols/oscore.md`);

const secret = hex('0102030405060708090a0b0c0d0e0f10');
const salt = hex('9e7ca92223786340');
const deviceInput: OscoreContextInput = { masterSecret: secret, masterSalt: salt, senderId: hex('01'), recipientId: Buffer.alloc(0) };
const gatewayInput: OscoreContextInput = { masterSecret: secret, masterSalt: salt, senderId: Buffer.alloc(0), recipientId: hex('01') };
const TELEMETRY = '41021235a2b174056e6f64653711 70ff81a421666e6f6465372f006474656d700163 43656c02fb4035800000000000'.replace(/ /g, '');
const withContent = (d: CoapDatagram, c: CoapContent): CoapDatagram => ({ ...d, code: c.code, options: c.options, payload: c.payload });

let peer: PythonPeer;
before(() => {
  peer = startPythonPeer();
});
after(() => peer.close());

describe('docs/protocols/oscore.md', () => {
  it('the device context of the page is RFC 8613 C.1.2', () => {
    const device = deriveContext(deviceInput);
    const c12 = VECTORS.derivation.find((d) => d.name.startsWith('C.1.2'))!;
    assert.deepEqual([device.senderKey.toString('hex'), device.recipientKey.toString('hex'), device.commonIv.toString('hex')], [c12.senderKey, c12.recipientKey, c12.commonIv]);
    for (const [b, what] of [[device.senderKey, 'Sender Key'], [device.recipientKey, 'Recipient Key'], [device.commonIv, 'Common IV'], [kdfInfo(hex('01'), null, 'Key', 16), 'info'], [kdfInfo(Buffer.alloc(0), null, 'Key', 16), 'info'], [kdfInfo(Buffer.alloc(0), null, 'IV', 13), 'info']] as const) inDoc(b, what);
  });

  it('example 1 prints the RFC vectors C.4, C.7 and C.8', () => {
    const c4 = VECTORS.requests[0]!;
    for (const v of [c4.unprotected, c4.protected, c4.nonce, c4.aad, c4.plaintext, ...VECTORS.responses.map((r) => r.protected), VECTORS.responses[0]!.unprotected]) inDoc(v, v);
  });

  it('example 2: the telemetry uplink and its answer, as computed here and by the Python peer', async () => {
    inDoc(TELEMETRY, 'unprotected telemetry request');
    const device = deriveContext(deviceInput);
    const gateway = deriveContext(gatewayInput);
    const req = decodeCoapDatagram(hex(TELEMETRY));
    const { message, exchange } = protectRequest(device, req, 5);
    const protectedReq = encodeCoapDatagram(withContent(req, message));
    for (const [b, what] of [[protectedReq, 'protected request'], [exchange.nonce, 'nonce'], [encodeAadArray(10, hex('01'), hex('05')), 'aad_array'], [exchangeAad(10, hex('01'), hex('05')), 'AAD'], [hex('090501'), 'option']] as const) inDoc(b, what);
    inDoc('`0a012c01`', 'option for seq 300');
    assert.equal(protectRequest(device, req, 300).message.options[0]!.value.toString('hex'), '0a012c01');

    const atGateway = unprotectRequest(decodeCoapDatagram(protectedReq), (kid) => (kid.equals(gateway.recipientId) ? { context: gateway, replay: new ReplayWindow() } : undefined));
    const answer = decodeCoapDatagram(hex('61441235a2'));
    const protectedAnswer = encodeCoapDatagram(withContent(answer, protectResponse(gateway, atGateway.exchange, answer)));
    inDoc(protectedAnswer, 'protected answer');

    // The independent implementation agrees on both messages.
    const py = await peer.ok({ cmd: 'protect_request', context: contextSpec(deviceInput), message: TELEMETRY, seq: 5 });
    assert.equal(py['message'], protectedReq.toString('hex'));
    const pyAtGateway = await peer.ok({ cmd: 'unprotect_request', context: contextSpec(gatewayInput), message: protectedReq.toString('hex') });
    assert.equal(pyAtGateway['message'], TELEMETRY);
    const pyAnswer = await peer.ok({ cmd: 'unprotect_response', context: contextSpec(deviceInput), request: exchangeSpec(exchange), message: protectedAnswer.toString('hex') });
    assert.equal(pyAnswer['message'], '61441235a2');
  });

  it('the shell example prints what the page shows', async () => {
    const examples = extractExamples(DOC);
    assert.equal(examples.length, 1);
    const [result] = await runExamples(examples, {}, 20_000);
    assert.equal(result!.status, 0, result!.output);
    assert.ok(outputMatches(result!.example.expected!, result!.output), result!.output);
  });
});
