/**
 * RFC 9529 §2 (method 0, suite 0, X.509 by x5t) and §3 (method 3, suite 2, CCS by kid), byte for
 * byte, in both roles: the Initiator and the Responder run with the traces' ephemeral keys, and
 * every value the trace prints is compared, either as the state machine reported it or, for
 * inputs and encodings, directly. A value of the trace that no check covers fails the test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { bstr } from '../../../protocols/edhoc/edhoc-cbor.js';
import { encodeIdentifier } from '../../../protocols/edhoc/edhoc-identifiers.js';
import {
  Initiator,
  Responder,
  SIGNATURES,
  ccsCredential,
  describeIdCred,
  encodeIdCred,
  idCredOf,
  staticDhPublicKey,
  x509Credential,
  type Credential,
  type EdhocSession,
  type IdCred,
} from '../../../protocols/edhoc/index.js';
import { bytesOf, hexOf, loadVectors, recorder, type TraceVectors } from './vectors.js';

interface Party {
  sk: Uint8Array;
  cred: Credential;
  idCred: IdCred;
}

interface TraceSetup {
  vec: TraceVectors;
  method: number;
  initiatorSuites: number[];
  responderSuites: number[];
  initiator: Party;
  responder: Party;
  /** Ephemeral X per attempt (trace 2 negotiates first). */
  xs: Uint8Array[];
  /** C_I of the first attempt when there are two (§3.1 uses 0x0e, §3.3 0x37). */
  firstCI?: Uint8Array;
}

function run(setup: TraceSetup) {
  const v = setup.vec.values;
  const val = (name: string): Uint8Array => bytesOf(v, name);
  const ri = recorder();
  const rr = recorder();
  const same = (a: IdCred, b: IdCred): boolean => JSON.stringify(describeIdCred(a)) === JSON.stringify(describeIdCred(b));
  const lookupOf = (p: Party) => (id: IdCred) => (same(id, p.idCred) ? p.cred : undefined);
  const initiator = new Initiator({
    method: setup.method,
    suites: setup.initiatorSuites,
    auth: { privateKey: setup.initiator.sk, credential: setup.initiator.cred, idCred: setup.initiator.idCred },
    lookupCredential: lookupOf(setup.responder),
    connectionId: (attempt) => (attempt === setup.xs.length - 1 ? val('C_I') : (setup.firstCI as Uint8Array)),
    ephemeralKey: (_suite, attempt) => setup.xs[attempt] as Uint8Array,
    onTrace: ri.sink,
  });
  const responder = new Responder({
    methods: [setup.method],
    suites: setup.responderSuites,
    auth: [{ privateKey: setup.responder.sk, credential: setup.responder.cred, idCred: setup.responder.idCred }],
    lookupCredential: lookupOf(setup.initiator),
    chooseConnectionId: () => val('C_R'),
    ephemeralKey: () => val('Y'),
    sendMessage4: true,
    onTrace: rr.sink,
  });
  return { initiator, responder, ri, rr, val };
}

/** Drives a full handshake and returns both sessions; asserts each message on the way. */
function handshake(setup: TraceSetup, ctx: ReturnType<typeof run>): { si: EdhocSession; sr: EdhocSession } {
  const { initiator, responder, val } = ctx;
  const m1 = initiator.start();
  assert.ok(m1.ok);
  assert.equal(hexOf(m1.value), hexOf(val('message_1')));
  const m2 = responder.handleMessage1(m1.value);
  assert.ok(m2.ok, m2.ok ? 'ok' : m2.error.message);
  assert.equal(hexOf(m2.value.message2), hexOf(val('message_2')));
  assert.equal(hexOf(m2.value.cR), hexOf(val('C_R')));
  const m3 = initiator.handleMessage2(m2.value.message2);
  assert.ok(m3.ok, m3.ok ? 'ok' : m3.error.message);
  assert.equal(hexOf(m3.value.message3), hexOf(val('message_3')));
  const m4 = responder.handleMessage3(m2.value.cR, m3.value.message3);
  assert.ok(m4.ok, m4.ok ? 'ok' : m4.error.message);
  assert.equal(hexOf(m4.value.message4 as Uint8Array), hexOf(val('message_4')));
  const done = initiator.handleMessage4(m4.value.message4 as Uint8Array);
  assert.ok(done.ok, done.ok ? 'ok' : done.error.message);
  assert.equal(initiator.state, 'completed');
  return { si: m3.value.session, sr: m4.value.session };
}

/** Compares what a role reported with the trace; returns the names it covered. */
function compareReported(role: string, seen: Map<string, string>, vec: TraceVectors): Set<string> {
  const covered = new Set<string>();
  for (const [name, hex] of seen) {
    const want = vec.values[name];
    if (want?.hex === undefined) continue;
    assert.equal(hex, want.hex, `${role}: ${name} (RFC 9529 §${want.section})`);
    covered.add(name);
  }
  return covered;
}

/** Checks the session outputs (§x.5-§x.7) and the encodings; returns the names covered. */
function checkOutputs(setup: TraceSetup, si: EdhocSession, sr: EdhocSession): Set<string> {
  const v = setup.vec.values;
  const val = (name: string): string => hexOf(bytesOf(v, name));
  const covered = new Set<string>();
  const eq = (name: string, got: Uint8Array | string): void => {
    assert.equal(typeof got === 'string' ? got : hexOf(got), val(name), `${name} (RFC 9529 §${v[name]?.section})`);
    covered.add(name);
  };
  for (const s of [si, sr]) {
    assert.equal(hexOf(s.prkOut), val('PRK_out'));
    assert.equal(hexOf(s.prkExporter), val('PRK_exporter'));
    const o = s.oscore();
    eq('OSCORE Master Secret', o.masterSecret);
    eq('OSCORE Master Salt', o.masterSalt);
    assert.equal(o.aeadAlg, v['Application AEAD Algorithm']?.int);
    assert.equal(o.hashAlg, v['Application Hash Algorithm']?.int);
  }
  covered.add('Application AEAD Algorithm').add('Application Hash Algorithm');
  // §2.6 / §3.8: the Initiator is the CoAP client; its Sender ID is C_R, the server's is C_I.
  eq("Client's OSCORE Sender ID", si.oscore().senderId);
  eq("Server's OSCORE Sender ID", sr.oscore().senderId);
  assert.equal(hexOf(si.oscore().recipientId), hexOf(sr.oscore().senderId));
  eq('info for OSCORE Master Secret', '004010');
  eq('info for OSCORE Master Salt', '014008');
  // Key update (§2.7 / §3.9), on both sides.
  const context = bytesOf(v, 'context for KeyUpdate');
  eq('context for KeyUpdate (CBOR data item)', bstr(context));
  covered.add('context for KeyUpdate');
  for (const s of [si, sr]) {
    s.keyUpdate(context);
    eq('PRK_out after KeyUpdate', s.prkOut);
    eq('PRK_exporter after KeyUpdate', s.prkExporter);
    eq('OSCORE Master Secret after KeyUpdate', s.oscore().masterSecret);
    eq('OSCORE Master Salt after KeyUpdate', s.oscore().masterSalt);
  }
  // Inputs and their encodings.
  eq('METHOD (CBOR data item)', Uint8Array.of(setup.method));
  eq('C_I (CBOR data item)', encodeIdentifier(bytesOf(v, 'C_I')));
  eq('C_R (CBOR data item)', encodeIdentifier(bytesOf(v, 'C_R')));
  eq('ID_CRED_R (CBOR data item)', encodeIdCred(setup.responder.idCred));
  eq('ID_CRED_I (CBOR data item)', encodeIdCred(setup.initiator.idCred));
  eq('CRED_R (CBOR data item)', setup.responder.cred.bytes);
  eq('CRED_I (CBOR data item)', setup.initiator.cred.bytes);
  for (const name of ['X', 'Y', 'C_I', 'C_R', 'SK_R', 'SK_I', 'SUITES_I (CBOR data item)']) covered.add(name);
  for (const name of Object.keys(v)) {
    const raw = name.replace(/ \(CBOR data item\)$/, '');
    if (raw !== name && v[raw] && !covered.has(name) && raw !== 'METHOD') eq(name, bstr(bytesOf(v, raw)));
    if (name.endsWith(' (CBOR byte string)')) eq(name, bstr(bytesOf(v, name.replace(/ \(CBOR byte string\)$/, ''))));
    if (/^EAD_\d$|^PLAINTEXT_4$/.test(name)) eq(name, new Uint8Array(0));
  }
  return covered;
}

function assertAllCovered(vec: TraceVectors, ...sets: Set<string>[]): void {
  const left = Object.keys(vec.values).filter((k) => !sets.some((s) => s.has(k)));
  assert.deepEqual(left, [], `trace values no check covers: ${left.join(', ')}`);
}

describe('RFC 9529 §2: method 0, cipher suite 0, X.509 certificates by x5t', () => {
  const vec = loadVectors<TraceVectors>('rfc9529-trace1.json');
  const v = vec.values;
  const credR = x509Credential(bytesOf(v, 'CRED_R'));
  const credI = x509Credential(bytesOf(v, 'CRED_I'));
  const setup: TraceSetup = {
    vec,
    method: 0,
    initiatorSuites: [0],
    responderSuites: [0, 2],
    initiator: { sk: bytesOf(v, 'SK_I'), cred: credI, idCred: idCredOf(credI, 'x5t') },
    responder: { sk: bytesOf(v, 'SK_R'), cred: credR, idCred: idCredOf(credR, 'x5t') },
    xs: [bytesOf(v, 'X')],
  };

  it('runs both roles and matches every value the trace prints', () => {
    const ctx = run(setup);
    const { si, sr } = handshake(setup, ctx);
    const fromI = compareReported('Initiator', ctx.ri.seen, vec);
    const fromR = compareReported('Responder', ctx.rr.seen, vec);
    // Each role reports the values it computes; these the trace prints from both sides' view.
    for (const name of ['TH_2', 'PRK_2e', 'PRK_3e2m', 'MAC_2', 'KEYSTREAM_2', 'PLAINTEXT_2', 'TH_3', 'K_3', 'IV_3', 'MAC_3', 'PLAINTEXT_3', 'TH_4', 'PRK_4e3m', 'K_4', 'IV_4', 'PRK_out', 'PRK_exporter']) {
      assert.deepEqual([fromI.has(name), fromR.has(name)], [true, true], `${name} reported and equal in both roles`);
    }
    const extra = checkOutputs(setup, si, sr);
    // The authentication keys of §2.2/§2.3 are the certificates' keys.
    assert.equal(hexOf(credR.publicKey.x), hexOf(bytesOf(v, 'PK_R')));
    assert.equal(hexOf(credI.publicKey.x), hexOf(bytesOf(v, 'PK_I')));
    assert.equal(hexOf(SIGNATURES.ed25519.publicKey(bytesOf(v, 'SK_R')).x), hexOf(bytesOf(v, 'PK_R')));
    assert.equal(hexOf(SIGNATURES.ed25519.publicKey(bytesOf(v, 'SK_I')).x), hexOf(bytesOf(v, 'PK_I')));
    extra.add('PK_R').add('PK_I').add('CRED_R').add('CRED_I');
    assertAllCovered(vec, fromI, fromR, extra);
    assert.equal(si.peer.fingerprint, credR.fingerprint);
    assert.equal(sr.peer.fingerprint, credI.fingerprint);
  });
});

describe('RFC 9529 §3: method 3, cipher suite 2 after negotiation, CCS by kid', () => {
  const vec = loadVectors<TraceVectors>('rfc9529-trace2.json');
  const v = vec.values;
  const credR = ccsCredential(bytesOf(v, 'CRED_R (CBOR data item)'));
  const credI = ccsCredential(bytesOf(v, 'CRED_I (CBOR data item)'));
  const first = vec['message_1 (first time)'] as TraceVectors['values'];
  const setup: TraceSetup = {
    vec,
    method: 3,
    initiatorSuites: [6, 2],
    responderSuites: [2],
    initiator: { sk: bytesOf(v, 'SK_I'), cred: credI, idCred: idCredOf(credI, 'kid') },
    responder: { sk: bytesOf(v, 'SK_R'), cred: credR, idCred: idCredOf(credR, 'kid') },
    xs: [bytesOf(first, 'X'), bytesOf(v, 'X')],
    firstCI: bytesOf(first, 'C_I'),
  };

  it('answers the first message_1 (suite 6) with the §3.2 error carrying SUITES_R = 2', () => {
    const { responder } = run(setup);
    const r = responder.handleMessage1(bytesOf(first, 'message_1'));
    assert.ok(!r.ok);
    assert.equal(r.error.reason, 'unsupported_suite');
    assert.equal(hexOf(r.reply as Uint8Array), hexOf(bytesOf(v, 'error')));
    assert.equal(hexOf(bytesOf(v, 'error')).slice(2), hexOf(bytesOf(v, 'SUITES_R')));
  });

  it('runs the negotiation and both roles, matching every value the trace prints', () => {
    const ctx = run(setup);
    // First message_1: suite 6 selected. Suite 6's curve is X25519, so our G_X is X25519(X);
    // the trace prints a P-256 x-coordinate there. Every other byte is the trace's.
    const first1 = ctx.initiator.start();
    assert.ok(first1.ok);
    const want = hexOf(bytesOf(first, 'message_1'));
    assert.equal(hexOf(first1.value).slice(0, 8), want.slice(0, 8));
    assert.equal(hexOf(first1.value).slice(-2), want.slice(-2));
    assert.equal(hexOf(bytesOf(first, 'SUITES_I (CBOR data item)')), '06');
    const err = ctx.responder.handleMessage1(first1.value);
    assert.ok(!err.ok);
    const back = ctx.initiator.handleMessage2(err.reply as Uint8Array);
    assert.ok(!back.ok);
    assert.equal(back.error.peerErrCode, 2);
    assert.equal(ctx.initiator.state, 'start');
    ctx.ri.seen.clear();
    ctx.rr.seen.clear();
    const { si, sr } = handshake(setup, ctx);
    const fromI = compareReported('Initiator', ctx.ri.seen, vec);
    const fromR = compareReported('Responder', ctx.rr.seen, vec);
    for (const name of ['TH_2', 'PRK_2e', 'SALT_3e2m', 'G_RX', 'PRK_3e2m', 'MAC_2', 'KEYSTREAM_2', 'TH_3', 'SALT_4e3m', 'G_IY', 'PRK_4e3m', 'MAC_3', 'K_3', 'IV_3', 'TH_4', 'K_4', 'IV_4', 'PRK_out']) {
      assert.deepEqual([fromI.has(name), fromR.has(name)], [true, true], `${name} reported and equal in both roles`);
    }
    const extra = checkOutputs(setup, si, sr);
    assert.equal(hexOf(bytesOf(v, 'SUITES_I (CBOR data item)')), '820602');
    // The static DH public keys of §3.4/§3.5 are the CCSs' keys.
    const gR = staticDhPublicKey('p256', bytesOf(v, 'SK_R'));
    const gI = staticDhPublicKey('p256', bytesOf(v, 'SK_I'));
    assert.equal(hexOf(gR.x), hexOf(bytesOf(v, 'G_R x-coordinate (public authentication key of R)')));
    assert.equal(hexOf(gR.y as Uint8Array), hexOf(bytesOf(v, 'G_R y-coordinate')));
    assert.equal(hexOf(gI.x), hexOf(bytesOf(v, 'G_I x-coordinate (public authentication key of I)')));
    assert.equal(hexOf(gI.y as Uint8Array), hexOf(bytesOf(v, 'G_I y-coordinate')));
    assert.equal(hexOf(credR.publicKey.x), hexOf(gR.x));
    assert.equal(hexOf(credI.publicKey.y as Uint8Array), hexOf(gI.y as Uint8Array));
    // "one 'y'-coordinate" of the ephemeral keys: either root fits the compact representation.
    for (const [sk, name] of [[bytesOf(v, 'X'), 'G_X y-coordinate'], [bytesOf(v, 'Y'), 'G_Y y-coordinate']] as const) {
      const y = BigInt(`0x${hexOf(p256.getPublicKey(sk, false).subarray(33))}`);
      const want = BigInt(`0x${hexOf(bytesOf(v, name))}`);
      assert.ok(want === y || want === p256.Point.Fp.ORDER - y, name);
      extra.add(name);
    }
    for (const name of ['G_R x-coordinate (public authentication key of R)', 'G_R y-coordinate', 'G_I x-coordinate (public authentication key of I)', 'G_I y-coordinate', 'SUITES_R', 'error']) extra.add(name);
    assertAllCovered(vec, fromI, fromR, extra);
    // The compact kid (§3.5.3.2): ID_CRED_R { 4: h'32' } travels as the int 0x32.
    assert.equal(hexOf(bytesOf(v, 'PLAINTEXT_2')).slice(2, 4), '32');
    assert.equal(sr.peer.fingerprint, credI.fingerprint);
  });
});
