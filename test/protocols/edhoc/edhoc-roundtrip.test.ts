/**
 * Handshakes with fresh random keys beyond the two RFC traces: every method with suites 0 and 2
 * (and suite 6), credentials by value for onboarding by key, and an independent check of the
 * ES256 signatures with node:crypto.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CIPHER_SUITES,
  CURVES,
  Initiator,
  METHODS,
  Responder,
  SIGNATURES,
  describeIdCred,
  idCredOf,
  makeCcs,
  staticDhPublicKey,
  x509Credential,
  type AuthKind,
  type CipherSuite,
  type Credential,
  type IdCred,
  type LocalAuth,
} from '../../../protocols/edhoc/index.js';
import { bytesOf, hexOf, loadVectors, type TraceVectors } from './vectors.js';

function newAuth(suite: CipherSuite, kind: AuthKind, kid: number, by: 'kid' | 'value' = 'kid'): LocalAuth {
  const privateKey = CURVES[suite.curve].randomPrivateKey();
  const publicKey = kind === 'static-dh' ? staticDhPublicKey(suite.curve, privateKey) : SIGNATURES[suite.signature].publicKey(privateKey);
  const credential = makeCcs(publicKey, { sub: `device-${kid}`, kid: Uint8Array.of(kid) });
  return { privateKey, credential, idCred: idCredOf(credential, by) };
}

const byKid = (...creds: Credential[]) => (id: IdCred) => creds.find((c) => id.kind === 'kid' && hexOf(c.kid as Uint8Array) === hexOf(id.kid));

function handshake(initiator: Initiator, responder: Responder) {
  const m1 = initiator.start();
  assert.ok(m1.ok);
  const m2 = responder.handleMessage1(m1.value);
  assert.ok(m2.ok, m2.ok ? 'ok' : m2.error.message);
  const m3 = initiator.handleMessage2(m2.value.message2);
  assert.ok(m3.ok, m3.ok ? 'ok' : m3.error.message);
  const m4 = responder.handleMessage3(m2.value.cR, m3.value.message3);
  assert.ok(m4.ok, m4.ok ? 'ok' : m4.error.message);
  return { si: m3.value.session, sr: m4.value.session, m4: m4.value.message4, sizes: [m1.value.length, m2.value.message2.length, m3.value.message3.length] };
}

describe('every method with suites 0, 2 and 6', () => {
  for (const suite of CIPHER_SUITES.values()) {
    for (const [method, kinds] of METHODS) {
      it(`method ${method} (I ${kinds.initiator}, R ${kinds.responder}), suite ${suite.id}`, () => {
        const a = newAuth(suite, kinds.initiator, 0x0a);
        const b = newAuth(suite, kinds.responder, 0x0b);
        const initiator = new Initiator({ method, suites: [suite.id], auth: a, lookupCredential: byKid(b.credential) });
        const responder = new Responder({ methods: [0, 1, 2, 3], suites: [0, 2, 6], auth: [b], lookupCredential: byKid(a.credential), sendMessage4: true });
        const { si, sr, m4 } = handshake(initiator, responder);
        assert.ok(initiator.handleMessage4(m4 as Uint8Array).ok);
        const oi = si.oscore();
        const or = sr.oscore();
        assert.equal(hexOf(oi.masterSecret), hexOf(or.masterSecret));
        assert.equal(hexOf(oi.masterSalt), hexOf(or.masterSalt));
        assert.deepEqual([hexOf(oi.senderId), hexOf(oi.recipientId)], [hexOf(or.recipientId), hexOf(or.senderId)]);
        assert.notEqual(hexOf(oi.senderId), hexOf(oi.recipientId));
        assert.equal(oi.aeadAlg, suite.appAeadAlg);
        assert.equal(si.peer.fingerprint, b.credential.fingerprint);
        assert.equal(sr.peer.fingerprint, a.credential.fingerprint);
      });
    }
  }

  it('the smallest method 3 / suite 2 handshake has RFC 9529 §3\'s message sizes (39, 45, 19)', () => {
    const suite = CIPHER_SUITES.get(2) as CipherSuite;
    const a = newAuth(suite, 'static-dh', 0x2b);
    const b = newAuth(suite, 'static-dh', 0x32);
    const initiator = new Initiator({ method: 3, suites: [6, 2], auth: a, lookupCredential: byKid(b.credential) });
    assert.ok(initiator.start().ok);
    initiator.handleMessage2(Uint8Array.of(0x02, 0x02));
    const responder = new Responder({ methods: [3], suites: [2], auth: [b], lookupCredential: byKid(a.credential) });
    assert.deepEqual(handshake(initiator, responder).sizes, [39, 45, 19]);
  });
});

describe('onboarding by key: credentials sent by value', () => {
  it('a device sending its CCS by value (kccs) is seen by fingerprint before the gateway decides', () => {
    const suite = CIPHER_SUITES.get(2) as CipherSuite;
    const device = newAuth(suite, 'static-dh', 0x07, 'value');
    const gateway = newAuth(suite, 'static-dh', 0x01);
    const seen: Record<string, string>[] = [];
    let approve = false;
    const responder = new Responder({
      methods: [3],
      suites: [2],
      auth: [gateway],
      // Trust on first use is the gateway's choice: here it refuses, then accepts the same key.
      lookupCredential: (id) => {
        seen.push(describeIdCred(id));
        return approve && id.kind === 'kccs' ? id.credential : undefined;
      },
    });
    const run = () => {
      const initiator = new Initiator({ method: 3, suites: [2], auth: device, lookupCredential: byKid(gateway.credential) });
      const m1 = initiator.start();
      assert.ok(m1.ok);
      const m2 = responder.handleMessage1(m1.value);
      assert.ok(m2.ok);
      const m3 = initiator.handleMessage2(m2.value.message2);
      assert.ok(m3.ok);
      return responder.handleMessage3(m2.value.cR, m3.value.message3);
    };
    const refused = run();
    assert.ok(!refused.ok);
    assert.equal(refused.error.reason, 'unknown_credential');
    assert.deepEqual(refused.error.details?.idCred, { kind: 'kccs', fingerprint: device.credential.fingerprint });
    assert.deepEqual(seen[0], { kind: 'kccs', fingerprint: device.credential.fingerprint });
    approve = true;
    const accepted = run();
    assert.ok(accepted.ok);
    assert.equal(accepted.value.session.peer.fingerprint, device.credential.fingerprint);
    assert.equal(hexOf(accepted.value.session.peer.credential.bytes), hexOf(device.credential.bytes));
  });

  it('an X.509 certificate sent by value (x5chain) authenticates like the x5t reference (RFC 9529 §2 keys)', () => {
    const v = loadVectors<TraceVectors>('rfc9529-trace1.json').values;
    const credI = x509Credential(bytesOf(v, 'CRED_I'));
    const credR = x509Credential(bytesOf(v, 'CRED_R'));
    const initiator = new Initiator({
      method: 0,
      suites: [0],
      auth: { privateKey: bytesOf(v, 'SK_I'), credential: credI, idCred: idCredOf(credI, 'value') },
      lookupCredential: (id) => (id.kind === 'x5t' ? credR : undefined),
    });
    const responder = new Responder({
      methods: [0],
      suites: [0],
      auth: [{ privateKey: bytesOf(v, 'SK_R'), credential: credR, idCred: idCredOf(credR, 'x5t') }],
      lookupCredential: (id) => (id.kind === 'x5chain' ? id.credential : undefined),
    });
    const { sr } = handshake(initiator, responder);
    assert.equal(sr.peer.idCred.kind, 'x5chain');
    assert.equal(sr.peer.fingerprint, credI.fingerprint);
  });
});

describe('ES256 signatures checked by node:crypto', () => {
  it('verifies what @noble/curves signs, as COSE r || s (IEEE P1363)', () => {
    const sk = CURVES.p256.randomPrivateKey();
    const pk = SIGNATURES.es256.publicKey(sk);
    const msg = Buffer.from('Signature1 structure stand-in');
    const sig = SIGNATURES.es256.sign(sk, msg);
    assert.equal(sig.length, 64);
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: Buffer.from(pk.x).toString('base64url'), y: Buffer.from(pk.y as Uint8Array).toString('base64url') }, format: 'jwk' });
    assert.ok(nodeVerify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig));
    assert.ok(SIGNATURES.es256.verify(pk, msg, sig));
    assert.ok(!SIGNATURES.es256.verify(pk, Buffer.from('other'), sig));
  });
});
