/**
 * Hostile and broken input: the RFC 9529 §4 invalid messages, truncation at every byte, reordered
 * messages, wrong MACs and keys, cipher suite negotiation, unknown credentials, critical EAD.
 * Every failure is a typed EdhocError with the EDHOC error message to send, never a throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bstr } from '../../../protocols/edhoc/edhoc-cbor.js';
import { xor } from '../../../protocols/edhoc/edhoc-schedule.js';
import {
  EdhocError,
  Responder,
  edhocKdf,
  encodeMessage1,
  parseErrorMessage,
  staticDhPublicKey,
  makeCcs,
  idCredOf,
  type EdhocReason,
  type EdhocStep,
} from '../../../protocols/edhoc/index.js';
import { authI, authR, initiatorAfterMessage1, lookupOf, traceInitiator, traceResponder, val } from './fixtures.js';
import { hexOf, loadVectors, type InvalidVector } from './vectors.js';

function failsWith<T>(step: EdhocStep<T>, reasons: EdhocReason | EdhocReason[], errCode: number | null = 1): EdhocError {
  assert.ok(!step.ok, 'expected a failure');
  const want = Array.isArray(reasons) ? reasons : [reasons];
  assert.ok(want.includes(step.error.reason), `reason ${step.error.reason}, expected ${want.join('|')}: ${step.error.message}`);
  if (errCode === null) assert.equal(step.reply, null);
  else assert.equal(parseErrorMessage(step.reply as Uint8Array).errCode, errCode);
  return step.error;
}

/** message_2 carrying the given PLAINTEXT_2 under RFC 9529 §3.4's keystream (PRK_2e, TH_2). */
function message2With(plaintext2: Uint8Array): Uint8Array {
  const ks = edhocKdf(val('PRK_2e'), 0, val('TH_2'), plaintext2.length);
  return bstr(Buffer.concat([val('G_Y'), xor(plaintext2, ks)]));
}

describe('RFC 9529 §4 invalid traces', () => {
  const { vectors } = loadVectors<{ vectors: InvalidVector[] }>('rfc9529-invalid.json');
  // Our reason for each: the RFC says why it is invalid, these say how Roost reports it.
  const expected: Record<string, EdhocReason> = {
    '4.1.1': 'malformed',
    '4.1.2': 'malformed',
    '4.1.3': 'malformed',
    '4.1.4': 'malformed',
    '4.1.5': 'malformed',
    '4.1.6': 'malformed',
    '4.1.7': 'malformed',
    '4.2.1': 'unsupported_suite',
    '4.2.2': 'invalid_public_key',
    '4.2.3': 'invalid_public_key',
    '4.2.4': 'invalid_public_key',
    '4.2.5': 'malformed',
    '4.2.6': 'invalid_public_key',
    '4.3.1': 'malformed',
    '4.3.2': 'malformed',
  };
  // Suite 0 (4.2.4) needs an X25519 static DH key beside §3's P-256 one.
  const x25519Key = new Uint8Array(32).fill(9);
  const x25519Cred = makeCcs(staticDhPublicKey('x25519', x25519Key), { kid: Uint8Array.of(0x33) });
  const responder = traceResponder({ suites: [2, 0], auth: [authR, { privateKey: x25519Key, credential: x25519Cred, idCred: idCredOf(x25519Cred, 'kid') }] });

  for (const vec of vectors) {
    it(`§${vec.section} ${vec.title} (${vec.kind})`, () => {
      const bytes = Buffer.from(vec.hex, 'hex');
      const reason = expected[vec.section] as EdhocReason;
      if (vec.kind === 'message_1') {
        failsWith(responder.handleMessage1(bytes), reason, reason === 'unsupported_suite' ? 2 : 1);
      } else {
        const i = initiatorAfterMessage1();
        failsWith(i.handleMessage2(vec.kind === 'message_2' ? bytes : message2With(bytes)), reason);
        assert.equal(i.state, 'failed');
      }
    });
  }

  it('the same PLAINTEXT_2 correctly encoded is accepted (control for §4.1.6/§4.1.7/§4.2.5)', () => {
    const i = initiatorAfterMessage1();
    const r = i.handleMessage2(message2With(val('PLAINTEXT_2')));
    assert.ok(r.ok);
    assert.equal(hexOf(r.value.message3), hexOf(val('message_3')));
  });
});

describe('truncated messages', () => {
  it('message_1 cut at every byte is refused by the Responder, with an error message', () => {
    const m1 = val('message_1');
    const responder = traceResponder();
    for (let n = 0; n < m1.length; n++) failsWith(responder.handleMessage1(m1.subarray(0, n)), ['truncated', 'malformed', 'invalid_public_key']);
    assert.equal(responder.halfOpen, 0);
  });

  it('message_2 cut at every byte is refused by the Initiator', () => {
    const m2 = val('message_2');
    for (let n = 0; n < m2.length; n++) failsWith(initiatorAfterMessage1().handleMessage2(m2.subarray(0, n)), ['truncated', 'malformed', 'decrypt_failed']);
  });

  it('message_3 cut at every byte is refused by the Responder and the session is gone', () => {
    const m3 = val('message_3');
    for (let n = 0; n < m3.length; n++) {
      const responder = traceResponder({ chooseConnectionId: () => val('C_R'), ephemeralKey: () => val('Y') });
      assert.ok(responder.handleMessage1(val('message_1')).ok);
      failsWith(responder.handleMessage3(val('C_R'), m3.subarray(0, n)), ['truncated', 'malformed', 'decrypt_failed']);
      assert.equal(responder.halfOpen, 0);
    }
  });
});

describe('reordered and repeated messages', () => {
  it('the Initiator refuses message_4 before message_2, message_2 twice, and start() twice', () => {
    const i = initiatorAfterMessage1();
    failsWith(i.handleMessage4(val('message_4')), 'unexpected_message');
    failsWith(i.start(), 'unexpected_message', null);
    assert.equal(i.state, 'wait_message_2');
    assert.ok(i.handleMessage2(val('message_2')).ok);
    failsWith(i.handleMessage2(val('message_2')), 'unexpected_message');
    assert.ok(i.handleMessage4(val('message_4')).ok);
  });

  it('the Responder refuses message_3 for an unknown C_R and message_1 bytes in place of message_3', () => {
    const responder = traceResponder({ chooseConnectionId: () => val('C_R'), ephemeralKey: () => val('Y') });
    failsWith(responder.handleMessage3(val('C_R'), val('message_3')), 'unknown_session');
    assert.ok(responder.handleMessage1(val('message_1')).ok);
    // It starts with an integer like an error message, but is none: malformed, answered with ERR_CODE 1.
    failsWith(responder.handleMessage3(val('C_R'), val('message_1')), 'malformed');
    // The session was used up: the right message_3 now has no session.
    failsWith(responder.handleMessage3(val('C_R'), val('message_3')), 'unknown_session');
  });

  it('a replayed message_1 opens a new session each time; maxSessions bounds them, oldest evicted and counted', () => {
    const responder = traceResponder({ maxSessions: 2 });
    const cRs: Uint8Array[] = [];
    const m2s: Uint8Array[] = [];
    for (let k = 0; k < 3; k++) {
      const r = responder.handleMessage1(val('message_1'));
      assert.ok(r.ok);
      cRs.push(r.value.cR);
      m2s.push(r.value.message2);
    }
    assert.equal(new Set(cRs.map(hexOf)).size, 3, 'fresh C_R per message_1');
    assert.equal(new Set(m2s.map(hexOf)).size, 3, 'fresh ephemeral key per message_1');
    assert.deepEqual([responder.halfOpen, responder.evicted, responder.counters.message1], [2, 1, 3]);
    const i = initiatorAfterMessage1();
    const m3 = i.handleMessage2(m2s[2] as Uint8Array);
    assert.ok(m3.ok);
    failsWith(responder.handleMessage3(cRs[0] as Uint8Array, m3.value.message3), 'unknown_session');
    const done = responder.handleMessage3(cRs[2] as Uint8Array, m3.value.message3);
    assert.ok(done.ok);
    assert.equal(hexOf(done.value.session.oscore().masterSecret), hexOf(m3.value.session.oscore().masterSecret));
    assert.equal(responder.halfOpen, 1);
  });
});

describe('wrong MACs and keys', () => {
  it('a flipped bit in message_3 fails the AEAD (decrypt_failed)', () => {
    const responder = traceResponder({ chooseConnectionId: () => val('C_R'), ephemeralKey: () => val('Y') });
    assert.ok(responder.handleMessage1(val('message_1')).ok);
    const m3 = Buffer.from(val('message_3'));
    m3[5] = (m3[5] as number) ^ 0x01;
    failsWith(responder.handleMessage3(val('C_R'), m3), 'decrypt_failed');
  });

  it('a Responder without the private key of CRED_R produces a MAC_2 the Initiator refuses (mac_mismatch)', () => {
    const impostor = traceResponder({ auth: [{ ...authR, privateKey: new Uint8Array(32).fill(5) }] });
    const i = initiatorAfterMessage1();
    const m2 = impostor.handleMessage1(val('message_1'));
    assert.ok(m2.ok);
    failsWith(i.handleMessage2(m2.value.message2), 'mac_mismatch');
  });

  it('an Initiator without the private key of CRED_I produces a MAC_3 the Responder refuses (mac_mismatch)', () => {
    const responder = traceResponder({ chooseConnectionId: () => val('C_R'), ephemeralKey: () => val('Y') });
    assert.ok(responder.handleMessage1(val('message_1')).ok);
    const i = initiatorAfterMessage1({ auth: { ...authI, privateKey: new Uint8Array(32).fill(6) } });
    const m3 = i.handleMessage2(val('message_2'));
    assert.ok(m3.ok);
    failsWith(responder.handleMessage3(val('C_R'), m3.value.message3), 'mac_mismatch');
    assert.equal(responder.counters.failed, 1);
  });
});

describe('cipher suite negotiation (RFC 9528 §6.3)', () => {
  it('SUITES_R lists all our suites when none of SUITES_I is supported, the preferred one otherwise', () => {
    const responder = new Responder({ methods: [3], suites: [0, 2], auth: [authR], lookupCredential: lookupOf() });
    const gX = val('G_X');
    const none = responder.handleMessage1(encodeMessage1({ method: 3, suites: [6], gX, cI: val('C_I'), ead: [] }));
    assert.deepEqual(parseErrorMessage((failsWith(none, 'unsupported_suite', 2), (none as { reply: Uint8Array }).reply)), { errCode: 2, errInfo: [0, 2] });
    // Suite 0 is supported and preferred by I over the selected 2: refuse, SUITES_R = 0.
    const lower = responder.handleMessage1(encodeMessage1({ method: 3, suites: [0, 2], gX, cI: val('C_I'), ead: [] }));
    failsWith(lower, 'unsupported_suite', 2);
    assert.equal(hexOf((lower as { reply: Uint8Array }).reply), '0200');
  });

  it('the Initiator retries with the suite of SUITES_R and stops when there is none in common', () => {
    const i = traceInitiator();
    assert.ok(i.start().ok);
    failsWith(i.handleMessage2(Uint8Array.of(0x02, 0x18, 0x18)), 'peer_error', null); // SUITES_R = 24
    failsWith(i.start(), 'unsupported_suite', null);
    assert.equal(i.state, 'failed');
  });

  it('refuses a method it was not configured for', () => {
    const responder = traceResponder();
    failsWith(responder.handleMessage1(encodeMessage1({ method: 0, suites: [2], gX: val('G_X'), cI: val('C_I'), ead: [] })), 'unsupported_method');
  });
});

describe('credentials and EAD', () => {
  it('an unknown kid fails with ERR_CODE 3 and names the kid for the pending-device list', () => {
    const responder = traceResponder({ lookupCredential: () => undefined, chooseConnectionId: () => val('C_R'), ephemeralKey: () => val('Y') });
    assert.ok(responder.handleMessage1(val('message_1')).ok);
    const err = failsWith(responder.handleMessage3(val('C_R'), val('message_3')), 'unknown_credential', 3);
    assert.deepEqual(err.details?.idCred, { kind: 'kid', kid: '2b' });
  });

  it('a critical EAD item nobody processes fails the session (message_1 and message_3)', () => {
    const responder = traceResponder();
    const m1 = encodeMessage1({ method: 3, suites: [2], gX: val('G_X'), cI: val('C_I'), ead: [{ label: -99, value: Uint8Array.of(1) }] });
    const err = failsWith(responder.handleMessage1(m1), 'critical_ead');
    assert.equal(err.details?.eadLabel, -99);
    assert.equal(responder.halfOpen, 0);

    const r2 = traceResponder();
    const i = traceInitiator({ suites: [2], ead3: [{ label: -7 }] });
    const a = i.start();
    assert.ok(a.ok);
    const b = r2.handleMessage1(a.value);
    assert.ok(b.ok);
    const c = i.handleMessage2(b.value.message2);
    assert.ok(c.ok);
    failsWith(r2.handleMessage3(b.value.cR, c.value.message3), 'critical_ead');
  });

  it('non-critical EAD is ignored, padding dropped, an understood critical item delivered', () => {
    const responder = traceResponder({ understoodEad: [7] });
    const i = traceInitiator({ suites: [2], ead1: [{ label: 0, value: new Uint8Array(8) }, { label: 42 }], ead3: [{ label: -7, value: Uint8Array.of(0xaa) }] });
    const a = i.start();
    assert.ok(a.ok);
    const b = responder.handleMessage1(a.value);
    assert.ok(b.ok);
    assert.deepEqual(b.value.ead, [{ label: 42 }]);
    const c = i.handleMessage2(b.value.message2);
    assert.ok(c.ok);
    const d = responder.handleMessage3(b.value.cR, c.value.message3);
    assert.ok(d.ok);
    assert.deepEqual(d.value.session.ead.map((e) => [e.label, hexOf(e.value ?? new Uint8Array(0))]), [[-7, 'aa']]);
  });
});
