/**
 * The independent Python OSCORE peer (test/peers/python/oscore_peer.py: python3-cryptography +
 * python3-cbor2, written from RFC 8613) against the Appendix C vectors and against our codec, in
 * both directions. Fails, never skips, when /usr/bin/python3 or its modules are missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  decodeCoapDatagram,
  deriveContext,
  encodeCoapDatagram,
  protectRequest,
  protectResponse,
  ReplayWindow,
  unprotectRequest,
  unprotectResponse,
  type CoapDatagram,
  type CoapOption,
  type CoapType,
  type OscoreContext,
  type OscoreContextInput,
} from '../../../protocols/oscore/index.js';
import { contextSpec, exchangeOf, exchangeSpec, startPythonPeer, type PythonPeer } from './python-peer-client.js';
import { seededRandom } from './seeded-random.js';
import { VECTORS, derivation, hex, requestVector, type DerivationVector } from './vectors.js';

const inputOf = (d: DerivationVector): OscoreContextInput => ({
  masterSecret: hex(d.masterSecret),
  masterSalt: d.masterSalt === null ? undefined : hex(d.masterSalt),
  senderId: hex(d.senderId),
  recipientId: hex(d.recipientId),
  idContext: d.idContext === null ? null : hex(d.idContext),
});
const withContent = (d: CoapDatagram, c: { code: string; options: readonly CoapOption[]; payload: Buffer }): CoapDatagram => ({ type: d.type, mid: d.mid, token: d.token, code: c.code, options: c.options, payload: c.payload });
const wire = (d: CoapDatagram): string => encodeCoapDatagram(d).toString('hex');

let peer: PythonPeer;

before(() => {
  peer = startPythonPeer();
});
after(() => peer.close());

describe('Python OSCORE peer (independent implementation)', () => {
  it('runs under Debian\'s python3 with cryptography and cbor2 (fails when missing)', async () => {
    const hello = await peer.ok({ cmd: 'hello' });
    assert.equal(hello['ok'], true);
  });

  it('reproduces the Appendix C.1-C.3 derivations', async () => {
    for (const d of VECTORS.derivation) {
      const a = await peer.ok({ cmd: 'derive', context: contextSpec(inputOf(d)) });
      assert.deepEqual(
        [a['info_sender_key'], a['info_recipient_key'], a['info_common_iv'], a['sender_key'], a['recipient_key'], a['common_iv'], a['sender_nonce_piv0'], a['recipient_nonce_piv0']],
        [d.infoSenderKey, d.infoRecipientKey, d.infoCommonIv, d.senderKey, d.recipientKey, d.commonIv, d.senderNonce, d.recipientNonce],
        d.name,
      );
    }
  });

  it('reproduces the Appendix C.4-C.6 requests and verifies them as the server', async () => {
    for (const r of VECTORS.requests) {
      const a = await peer.ok({ cmd: 'protect_request', context: contextSpec(inputOf(derivation(r.clientContext))), message: r.unprotected, seq: r.senderSequenceNumber, send_kid_context: r.kidContext !== null });
      assert.deepEqual([a['message'], a['option'], a['ciphertext'], a['aad']], [r.protected, r.option, r.ciphertext, r.aad], r.name);
      assert.deepEqual(a['request'], { kid: r.kid, piv: r.partialIv, nonce: r.nonce, observe: false });
      const b = await peer.ok({ cmd: 'unprotect_request', context: contextSpec(inputOf(derivation(r.serverContext))), message: r.protected });
      assert.equal(b['message'], r.unprotected, r.name);
    }
  });

  it('reproduces the Appendix C.7-C.8 responses and verifies them as the client', async () => {
    for (const r of VECTORS.responses) {
      const req = requestVector(r.request);
      const request = { kid: req.kid, piv: req.partialIv, nonce: req.nonce, observe: false };
      const seq = r.partialIv === null ? null : r.senderSequenceNumber;
      const a = await peer.ok({ cmd: 'protect_response', context: contextSpec(inputOf(derivation(req.serverContext))), request, message: r.unprotected, seq });
      assert.deepEqual([a['message'], a['option'], a['ciphertext']], [r.protected, r.option, r.ciphertext], r.name);
      const b = await peer.ok({ cmd: 'unprotect_response', context: contextSpec(inputOf(derivation(req.clientContext))), request, message: r.protected });
      assert.equal(b['message'], r.unprotected, r.name);
    }
  });
});

/** Random but reproducible contexts and messages. */
function generator(seed: number) {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rnd.int(xs.length)]!;
  const text = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => pick([...'abcdefghijklmnopqrstuvwxyz0123456789-'])).join(''));
  const uint = (): Buffer => rnd.bytes(rnd.int(5)).subarray(0, 4);
  const payload = (): Buffer => rnd.bytes(pick([0, 0, 1, 13, 200, rnd.int(1025), 1024]));

  function contexts(): { client: OscoreContextInput; server: OscoreContextInput; sendKidContext: boolean } {
    const kind = rnd.int(5);
    if (kind < 3) {
      const [c, s] = [['C.1.1 client, with Master Salt', 'C.1.2 server, with Master Salt'], ['C.2.1 client, without Master Salt', 'C.2.2 server, without Master Salt'], ['C.3.1 client, with ID Context', 'C.3.2 server, with ID Context']][kind]!;
      return { client: inputOf(derivation(c!)), server: inputOf(derivation(s!)), sendKidContext: kind === 2 && rnd.int(2) === 0 };
    }
    const a = rnd.bytes(rnd.int(8));
    let b = rnd.bytes(rnd.int(8));
    if (b.equals(a)) b = Buffer.concat([a.subarray(0, 6), Buffer.of(a[6] === undefined ? 1 : a[6] ^ 1)]);
    const common = { masterSecret: rnd.bytes(16 + rnd.int(17)), masterSalt: rnd.int(3) === 0 ? undefined : rnd.bytes(rnd.int(9)), idContext: rnd.int(2) === 0 ? null : rnd.bytes(1 + rnd.int(8)) };
    return { client: { ...common, senderId: a, recipientId: b }, server: { ...common, senderId: b, recipientId: a }, sendKidContext: common.idContext !== null && rnd.int(2) === 0 };
  }

  /** Sequence numbers whose Partial IVs have 1..5 bytes. */
  const seq = (): number => {
    const bytes = 1 + rnd.int(5);
    return bytes === 1 ? rnd.int(256) : 256 ** (bytes - 1) + rnd.int(256 ** bytes - 256 ** (bytes - 1));
  };

  function request(observe: boolean): CoapDatagram {
    const options: CoapOption[] = [];
    const maybe = (number: number, value: () => Buffer, repeat = 1): void => {
      if (rnd.int(2) === 0) for (let i = 0; i < 1 + rnd.int(repeat); i++) options.push({ number, value: value() });
    };
    maybe(3, () => text(1 + rnd.int(20)));
    maybe(7, uint);
    maybe(11, () => text(rnd.int(12)), 3);
    maybe(12, uint);
    maybe(15, () => text(1 + rnd.int(15)), 2);
    maybe(17, uint);
    maybe(23, uint);
    maybe(27, uint);
    maybe(60, uint);
    maybe(252, () => rnd.bytes(1 + rnd.int(40)));
    maybe(292, () => rnd.bytes(rnd.int(9)));
    maybe(2049, () => rnd.bytes(rnd.int(300)));
    if (observe) options.push({ number: 6, value: pick([Buffer.alloc(0), Buffer.of(1)]) });
    return { type: pick<CoapType>([0, 1]), mid: rnd.int(65536), token: rnd.bytes(rnd.int(9)), code: pick(['0.01', '0.02', '0.03', '0.04', '0.05', '0.07']), options: options.sort((x, y) => x.number - y.number), payload: payload() };
  }

  function response(req: CoapDatagram, observe: boolean): CoapDatagram {
    const options: CoapOption[] = [];
    if (observe) options.push({ number: 6, value: rnd.bytes(1 + rnd.int(3)) });
    if (rnd.int(2) === 0) options.push({ number: 4, value: rnd.bytes(1 + rnd.int(8)) });
    if (rnd.int(2) === 0) options.push({ number: 8, value: text(1 + rnd.int(10)) });
    if (rnd.int(2) === 0) options.push({ number: 12, value: uint() });
    if (rnd.int(2) === 0) options.push({ number: 14, value: uint() });
    if (rnd.int(3) === 0) options.push({ number: 252, value: rnd.bytes(8) });
    if (rnd.int(3) === 0) options.push({ number: 3001, value: rnd.bytes(rnd.int(20)) });
    return { type: 2, mid: req.mid, token: req.token, code: pick(['2.01', '2.04', '2.05', '4.04', '5.00']), options: options.sort((x, y) => x.number - y.number), payload: payload() };
  }

  return { contexts, seq, request, response, int: rnd.int };
}

/** What a notification looks like once verified: the Inner Observe is empty (RFC 8613 §4.1.3.5.2). */
const emptyObserve = (d: CoapDatagram): CoapDatagram => ({ ...d, options: d.options.map((o) => (o.number === 6 ? { number: 6, value: Buffer.alloc(0) } : o)) });

describe('TypeScript and Python interoperate on seeded random messages', () => {
  const CASES = 36;

  it(`${CASES} exchanges, TypeScript client -> Python server -> TypeScript client: byte-identical protection`, async () => {
    const g = generator(8613);
    for (let i = 0; i < CASES; i++) {
      const { client, server, sendKidContext } = g.contexts();
      const [cli, srv] = [deriveContext(client), deriveContext(server)];
      const observe = g.int(4) === 0;
      const req = g.request(observe);
      const seq = g.seq();
      const ts = protectRequest(cli, req, seq, { sendKidContext });
      const py = await peer.ok({ cmd: 'protect_request', context: contextSpec(client), message: wire(req), seq, send_kid_context: sendKidContext });
      assert.equal(wire(withContent(req, ts.message)), py['message'], `case ${i}: protected requests differ`);
      const atPy = await peer.ok({ cmd: 'unprotect_request', context: contextSpec(server), message: wire(withContent(req, ts.message)) });
      assert.equal(atPy['message'], wire(req), `case ${i}: python's verified request`);
      const pyExchange = exchangeOf(atPy);
      assert.deepEqual(pyExchange, { ...ts.exchange }, `case ${i}: exchange`);

      const resp = g.response(req, observe);
      const respSeq = g.int(2) === 0 ? undefined : g.seq();
      const pyResp = await peer.ok({ cmd: 'protect_response', context: contextSpec(server), request: exchangeSpec(pyExchange), message: wire(resp), seq: respSeq ?? null });
      assert.equal(wire(withContent(resp, protectResponse(srv, pyExchange, resp, respSeq))), pyResp['message'], `case ${i}: protected responses differ`);
      const back = unprotectResponse(cli, ts.exchange, decodeCoapDatagram(hex(pyResp['message'] as string)));
      assert.equal(wire(withContent(resp, back)), wire(emptyObserve(resp)), `case ${i}: verified response`);
    }
  });

  it(`${CASES} exchanges, Python client -> TypeScript server -> Python client`, async () => {
    const g = generator(7252);
    for (let i = 0; i < CASES; i++) {
      const { client, server, sendKidContext } = g.contexts();
      const srv = deriveContext(server);
      const observe = g.int(4) === 0;
      const req = g.request(observe);
      const py = await peer.ok({ cmd: 'protect_request', context: contextSpec(client), message: wire(req), seq: g.seq(), send_kid_context: sendKidContext });
      const lookup = (kid: Buffer): { context: OscoreContext; replay: ReplayWindow } | undefined => (kid.equals(srv.recipientId) ? { context: srv, replay: new ReplayWindow() } : undefined);
      const got = unprotectRequest(decodeCoapDatagram(hex(py['message'] as string)), lookup);
      assert.equal(wire(withContent(req, got.message)), wire(req), `case ${i}: verified request`);
      assert.deepEqual(exchangeSpec(got.exchange), py['request'], `case ${i}: exchange`);

      const resp = g.response(req, observe);
      const respSeq = g.int(2) === 0 ? undefined : g.seq();
      const prot = protectResponse(srv, got.exchange, resp, respSeq);
      const back = await peer.ok({ cmd: 'unprotect_response', context: contextSpec(client), request: py['request'], message: wire(withContent(resp, prot)) });
      assert.equal(back['message'], wire(emptyObserve(resp)), `case ${i}: python's verified response`);
    }
  });

  it('hostile input gets the same error reason and CoAP code from both implementations', async () => {
    const r = requestVector('C.4 request, client, context C.1');
    const server = inputOf(derivation(r.serverContext));
    const srv = deriveContext(server);
    const good = decodeCoapDatagram(hex(r.protected));
    const flip = Buffer.from(good.payload);
    flip[3]! ^= 0x10;
    const cases: Array<[string, CoapDatagram]> = [
      ['truncated option', { ...good, options: [good.options[0]!, { number: 9, value: hex('0b14') }] }],
      ['reserved flag bits', { ...good, options: [good.options[0]!, { number: 9, value: hex('4914') }] }],
      ['Partial IV of 6 bytes', { ...good, options: [good.options[0]!, { number: 9, value: hex('0e010203040506') }] }],
      ['unknown kid', { ...good, options: [good.options[0]!, { number: 9, value: hex('09147f') }] }],
      ['wrong tag', { ...good, payload: flip }],
      ['ciphertext shorter than the tag', { ...good, payload: good.payload.subarray(0, 5) }],
      ['no payload', { ...good, payload: Buffer.alloc(0) }],
    ];
    for (const [name, msg] of cases) {
      let ours: { reason: string; coap: string } | null = null;
      try {
        unprotectRequest(msg, (kid) => (kid.equals(srv.recipientId) ? { context: srv, replay: new ReplayWindow() } : undefined));
      } catch (err) {
        const e = err as { reason: string; coapCode: string };
        ours = { reason: e.reason, coap: e.coapCode };
      }
      const theirs = await peer.ask({ cmd: 'unprotect_request', context: contextSpec(server), message: wire(msg) });
      assert.ok(ours, `${name}: no error from TypeScript`);
      assert.deepEqual({ reason: theirs.error, coap: theirs.coap }, ours, name);
    }
  });

  it('Python\'s replay window rejects a message our client sent twice', async () => {
    const r = requestVector('C.5 request, client, context C.2');
    const spec = { cmd: 'unprotect_request', context: contextSpec(inputOf(derivation(r.serverContext))), message: r.protected, session: 'replay-test' };
    assert.equal((await peer.ok(spec))['message'], r.unprotected);
    const again = await peer.ask(spec);
    assert.deepEqual([again.error, again.coap, again['diagnostic']], ['replay', '4.01', 'Replay detected']);
  });
});
