import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeCoapDatagram,
  encodeCoapDatagram,
  OscoreError,
  protectRequest,
  protectResponse,
  ReplayWindow,
  unprotectRequest,
  unprotectResponse,
  type CoapContent,
  type CoapDatagram,
  type OscoreContext,
  type OscoreErrorReason,
  type RecipientLookup,
} from '../../../protocols/oscore/index.js';
import { open, seal } from '../../../protocols/oscore/oscore-aead.js';
import { VECTORS, contextOf, hex, requestVector } from './vectors.js';

const C4 = 'C.4 request, client, context C.1';
const client = contextOf('C.1.1 client, with Master Salt');
const server = contextOf('C.1.2 server, with Master Salt');

/** A server that knows one client, with a fresh Replay Window. */
function lookupFor(ctx: OscoreContext, replay = new ReplayWindow()): RecipientLookup {
  return (kid, kidContext) => (kid.equals(ctx.recipientId) && (kidContext === null || ctx.idContext?.equals(kidContext)) ? { context: ctx, replay } : undefined);
}

/** The datagram with its request/response layer replaced. */
const withContent = (d: CoapDatagram, c: CoapContent): CoapDatagram => ({ type: d.type, mid: d.mid, token: d.token, code: c.code, options: c.options, payload: c.payload });

function assertOscoreError(fn: () => unknown, reason: OscoreErrorReason, coap: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof OscoreError, `expected OscoreError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(err.coapCode, coap);
    return true;
  });
}

describe('OSCORE requests (RFC 8613 §8.1/§8.2, Appendix C.4-C.6)', () => {
  for (const r of VECTORS.requests) {
    it(`${r.name}: every intermediate value, protect on the client, verify on the server`, () => {
      const cli = contextOf(r.clientContext);
      const srv = contextOf(r.serverContext);
      assert.equal(cli.senderKey.toString('hex'), r.encryptionKey);
      // The AEAD alone: plaintext -> ciphertext with the printed nonce and AAD, and back.
      assert.equal(seal(hex(r.encryptionKey), hex(r.nonce), hex(r.plaintext), hex(r.aad)).toString('hex'), r.ciphertext);
      assert.equal(open(hex(r.encryptionKey), hex(r.nonce), hex(r.ciphertext), hex(r.aad)).toString('hex'), r.plaintext);

      const plain = decodeCoapDatagram(hex(r.unprotected));
      const { message, exchange } = protectRequest(cli, plain, r.senderSequenceNumber, { sendKidContext: r.kidContext !== null });
      assert.equal(message.code, '0.02');
      assert.equal(message.options.find((o) => o.number === 9)!.value.toString('hex'), r.option);
      assert.equal(message.payload.toString('hex'), r.ciphertext);
      assert.equal(encodeCoapDatagram(withContent(plain, message)).toString('hex'), r.protected);
      assert.deepEqual([exchange.kid.toString('hex'), exchange.partialIv.toString('hex'), exchange.nonce.toString('hex'), exchange.observe], [r.kid, r.partialIv, r.nonce, false]);

      const got = unprotectRequest(decodeCoapDatagram(hex(r.protected)), lookupFor(srv));
      assert.equal(encodeCoapDatagram(withContent(plain, got.message)).toString('hex'), r.unprotected);
      assert.equal(got.seq, r.senderSequenceNumber);
      assert.equal(got.replayChecked, true);
      assert.deepEqual([got.exchange.kid.toString('hex'), got.exchange.partialIv.toString('hex'), got.exchange.nonce.toString('hex')], [r.kid, r.partialIv, r.nonce]);
    });
  }
});

describe('OSCORE responses (RFC 8613 §8.3/§8.4, Appendix C.7-C.8)', () => {
  for (const r of VECTORS.responses) {
    it(`${r.name}: protect on the server, verify on the client`, () => {
      const req = requestVector(r.request);
      assert.equal(server.senderKey.toString('hex'), r.encryptionKey);
      assert.equal(seal(hex(r.encryptionKey), hex(r.nonce), hex(r.plaintext), hex(r.aad)).toString('hex'), r.ciphertext);
      assert.equal(open(hex(r.encryptionKey), hex(r.nonce), hex(r.ciphertext), hex(r.aad)).toString('hex'), r.plaintext);

      const { exchange } = unprotectRequest(decodeCoapDatagram(hex(req.protected)), lookupFor(server));
      const plain = decodeCoapDatagram(hex(r.unprotected));
      const seq = r.partialIv === null ? undefined : r.senderSequenceNumber;
      const message = protectResponse(server, exchange, plain, seq);
      assert.equal(message.code, '2.04');
      assert.equal(message.options.find((o) => o.number === 9)!.value.toString('hex'), r.option);
      assert.equal(message.payload.toString('hex'), r.ciphertext);
      assert.equal(encodeCoapDatagram(withContent(plain, message)).toString('hex'), r.protected);

      const clientExchange = protectRequest(client, decodeCoapDatagram(hex(req.unprotected)), req.senderSequenceNumber).exchange;
      const back = unprotectResponse(client, clientExchange, decodeCoapDatagram(hex(r.protected)));
      assert.equal(encodeCoapDatagram(withContent(plain, back)).toString('hex'), r.unprotected);
    });
  }
});

describe('OSCORE message rules', () => {
  const get: CoapContent = {
    code: '0.01',
    options: [
      { number: 3, value: Buffer.from('gw.local') },
      { number: 11, value: Buffer.from('rd') },
      { number: 12, value: Buffer.of(112) },
      { number: 15, value: Buffer.from('ep=dev1') },
      { number: 252, value: hex('a1b2c3d4') },
    ],
    payload: Buffer.from('hello'),
  };

  it('class U options stay outside, class E options (Echo included) go inside, the payload is gone', () => {
    const { message } = protectRequest(client, get, 7);
    assert.deepEqual(message.options.map((o) => o.number), [3, 9]);
    const got = unprotectRequest(message, lookupFor(server));
    assert.deepEqual(got.message, get);
  });

  it('Observe: Outer code FETCH / 2.05, Outer Observe kept, Inner Observe empty in notifications (§4.1.3.5)', () => {
    const reg: CoapContent = { code: '0.01', options: [{ number: 6, value: Buffer.alloc(0) }, { number: 11, value: Buffer.from('temp') }], payload: Buffer.alloc(0) };
    const { message, exchange } = protectRequest(client, reg, 30);
    assert.equal(message.code, '0.05');
    assert.deepEqual(message.options.map((o) => o.number), [6, 9]);
    const atServer = unprotectRequest(message, lookupFor(server));
    assert.deepEqual(atServer.message, reg);
    assert.equal(atServer.exchange.observe, true);
    const note: CoapContent = { code: '2.05', options: [{ number: 6, value: Buffer.of(5) }], payload: Buffer.from('21.5') };
    for (const seq of [undefined, 1, 2]) {
      const prot = protectResponse(server, atServer.exchange, note, seq);
      assert.equal(prot.code, '2.05');
      assert.deepEqual(prot.options.find((o) => o.number === 6)!.value, Buffer.of(5));
      const back = unprotectResponse(client, exchange, prot);
      assert.deepEqual(back.options, [{ number: 6, value: Buffer.alloc(0) }]);
      assert.equal(back.payload.toString(), '21.5');
    }
  });

  it('a response with Inner Observe to a non-Observe request stops processing (§4.1.3.5.2)', () => {
    const { message, exchange } = protectRequest(client, get, 8);
    const srv = unprotectRequest(message, lookupFor(server));
    const prot = protectResponse(server, srv.exchange, { code: '2.05', options: [{ number: 6, value: Buffer.of(1) }], payload: Buffer.from('x') });
    assertOscoreError(() => unprotectResponse(client, exchange, prot), 'malformed_plaintext', '4.00');
  });

  it('refuses to protect nested OSCORE, Proxy-Uri, a response code in a request and the reverse', () => {
    assertOscoreError(() => protectRequest(client, { ...get, options: [{ number: 9, value: Buffer.alloc(0) }] }, 1), 'unprotectable', '5.00');
    assertOscoreError(() => protectRequest(client, { ...get, options: [{ number: 35, value: Buffer.from('coap://x/y') }] }, 1), 'unprotectable', '5.00');
    assertOscoreError(() => protectRequest(client, { ...get, code: '2.05' }, 1), 'unprotectable', '5.00');
    const { exchange } = protectRequest(client, get, 1);
    assertOscoreError(() => protectResponse(server, exchange, get), 'unprotectable', '5.00');
  });

  it('a response is bound to its request: the wrong exchange fails to decrypt (§7.1)', () => {
    const a = protectRequest(client, get, 40);
    const b = protectRequest(client, get, 41);
    const srvA = unprotectRequest(a.message, lookupFor(server));
    const resp = protectResponse(server, srvA.exchange, { code: '2.05', options: [], payload: Buffer.from('for a') });
    assert.equal(unprotectResponse(client, a.exchange, resp).payload.toString(), 'for a');
    assertOscoreError(() => unprotectResponse(client, b.exchange, resp), 'decrypt_failed', '4.00');
  });
});

describe('hostile OSCORE requests: typed errors with the CoAP code of RFC 8613 §8.2', () => {
  const r = requestVector(C4);
  const good = (): CoapDatagram => decodeCoapDatagram(hex(r.protected));
  const withOption = (value: string): CoapContent => ({ ...good(), options: [{ number: 3, value: Buffer.from('localhost') }, { number: 9, value: hex(value) }] });

  it('truncated option -> 4.02', () => {
    assertOscoreError(() => unprotectRequest(withOption('0b14'), lookupFor(server)), 'malformed_option', '4.02');
  });
  it('reserved flag bits -> 4.02', () => {
    assertOscoreError(() => unprotectRequest(withOption('2914'), lookupFor(server)), 'malformed_option', '4.02');
  });
  it('Partial IV longer than 5 bytes -> 4.02', () => {
    assertOscoreError(() => unprotectRequest(withOption('0e010203040506'), lookupFor(server)), 'malformed_option', '4.02');
  });
  it('request without kid or without Partial IV -> 4.02 (§5)', () => {
    assertOscoreError(() => unprotectRequest(withOption('0114'), lookupFor(server)), 'malformed_option', '4.02');
    assertOscoreError(() => unprotectRequest(withOption('0801'), lookupFor(server)), 'malformed_option', '4.02');
  });
  it('no payload, no OSCORE option, two OSCORE options -> 4.02 (§2)', () => {
    assertOscoreError(() => unprotectRequest({ ...good(), payload: Buffer.alloc(0) }, lookupFor(server)), 'malformed_option', '4.02');
    assertOscoreError(() => unprotectRequest({ ...good(), options: [] }, lookupFor(server)), 'malformed_option', '4.02');
    const twice = good();
    assertOscoreError(() => unprotectRequest({ ...twice, options: [...twice.options, { number: 9, value: hex('0914') }] }, lookupFor(server)), 'malformed_option', '4.02');
  });
  it('unknown kid -> 4.01 "Security context not found"', () => {
    assertOscoreError(() => unprotectRequest(withOption('091442'), lookupFor(server)), 'unknown_kid', '4.01');
    // A kid context the found context does not have (§5: SHALL use a context with that ID Context).
    assertOscoreError(() => unprotectRequest(withOption('19140837cbf3210017a2d3'), () => ({ context: server, replay: new ReplayWindow() })), 'unknown_kid', '4.01');
  });
  it('wrong tag (one bit flipped in the ciphertext or the tag) -> 4.00 "Decryption failed"', () => {
    for (const at of [0, 5, 12]) {
      const m = good();
      const payload = Buffer.from(m.payload);
      payload[at]! ^= 0x01;
      assertOscoreError(() => unprotectRequest({ ...m, payload }, lookupFor(server)), 'decrypt_failed', '4.00');
    }
  });
  it('a changed Partial IV fails the tag (it is part of the nonce and the AAD)', () => {
    assertOscoreError(() => unprotectRequest(withOption('0915'), lookupFor(server)), 'decrypt_failed', '4.00');
  });
  it('ciphertext shorter than the tag -> 4.00', () => {
    for (const n of [1, 7, 8]) {
      const m = good();
      assertOscoreError(() => unprotectRequest({ ...m, payload: m.payload.subarray(0, n) }, lookupFor(server)), 'decrypt_failed', '4.00');
    }
  });
  it('replayed Partial IV -> 4.01 "Replay detected"; a failed decryption does not consume the Partial IV', () => {
    const replay = new ReplayWindow();
    const bad = good();
    const tampered = Buffer.from(bad.payload);
    tampered[0]! ^= 0xff;
    assertOscoreError(() => unprotectRequest({ ...bad, payload: tampered }, lookupFor(server, replay)), 'decrypt_failed', '4.00');
    assert.equal(unprotectRequest(good(), lookupFor(server, replay)).seq, 20);
    assertOscoreError(() => unprotectRequest(good(), lookupFor(server, replay)), 'replay', '4.01');
    const e = (() => {
      try {
        unprotectRequest(good(), lookupFor(server, replay));
      } catch (err) {
        return err as OscoreError;
      }
      throw new Error('no error');
    })();
    assert.equal(e.diagnostic, 'Replay detected');
  });
  it('after a restart the window is unsynchronized: the request verifies, replayChecked is false (B.1.2)', () => {
    const replay = ReplayWindow.afterRestart();
    const first = unprotectRequest(good(), lookupFor(server, replay));
    assert.equal(first.replayChecked, false);
    replay.synchronize(21);
    assertOscoreError(() => unprotectRequest(good(), lookupFor(server, replay)), 'replay', '4.01');
  });
  it('a verified plaintext that is not a request, or holds an Inner OSCORE option, is malformed_plaintext (4.00)', () => {
    const aad = hex(r.aad);
    const nonce = hex(r.nonce);
    for (const plaintext of ['45', '01' + '90', '01' + 'f0', '']) {
      const payload = seal(client.senderKey, nonce, hex(plaintext), aad);
      assertOscoreError(() => unprotectRequest({ ...good(), payload }, lookupFor(server)), 'malformed_plaintext', '4.00');
    }
  });
});
