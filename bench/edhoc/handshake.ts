/**
 * CPU cost of the EDHOC Responder per handshake (message_1 in, message_2 out, message_3 in,
 * session out) for suite 0 (method 0: X25519 + Ed25519; method 3: X25519 static DH) and suite 2 (method 3: P-256 static DH,
 * RFC 9529 §3's shape), beside one OSCORE-sized AES-CCM-16-64-128 encrypt + decrypt through
 * node:crypto, in the same process. Prints median CPU microseconds per operation and the ratio.
 *
 * Run: `make bench edhoc-handshake` (BENCH_EDHOC_N handshakes per round, default
 * 200; BENCH_EDHOC_ROUNDS rounds, default 5). Only the Responder's calls are timed; the Initiator's
 * messages are made beforehand.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  CIPHER_SUITES,
  CURVES,
  Initiator,
  Responder,
  SIGNATURES,
  idCredOf,
  makeCcs,
  staticDhPublicKey,
  type AuthKind,
  type CipherSuite,
  type Credential,
  type IdCred,
  type LocalAuth,
} from '../../protocols/edhoc/index.js';

const N = Number(process.env.BENCH_EDHOC_N ?? 200);
const ROUNDS = Number(process.env.BENCH_EDHOC_ROUNDS ?? 5);

function auth(suite: CipherSuite, kind: AuthKind, kid: number): LocalAuth {
  const privateKey = CURVES[suite.curve].randomPrivateKey();
  const publicKey = kind === 'static-dh' ? staticDhPublicKey(suite.curve, privateKey) : SIGNATURES[suite.signature].publicKey(privateKey);
  const credential = makeCcs(publicKey, { kid: Uint8Array.of(kid) });
  return { privateKey, credential, idCred: idCredOf(credential, 'kid') };
}

const lookup = (cred: Credential) => (id: IdCred) => (id.kind === 'kid' && id.kid[0] === cred.kid?.[0] ? cred : undefined);

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Median Responder CPU µs per handshake for one suite and method. */
function benchHandshake(suiteId: number, method: number, kinds: { i: AuthKind; r: AuthKind }): number {
  const suite = CIPHER_SUITES.get(suiteId) as CipherSuite;
  const a = auth(suite, kinds.i, 0x0a);
  const b = auth(suite, kinds.r, 0x0b);
  const perRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const responder = new Responder({ methods: [method], suites: [suiteId], auth: [b], lookupCredential: lookup(a.credential), maxSessions: N + 1 });
    // Initiators' message_1s first; their message_3s need the Responder's message_2s, so the
    // Initiator side runs between the two timed halves and is not counted.
    const initiators = Array.from({ length: N }, () => new Initiator({ method, suites: [suiteId], auth: a, lookupCredential: lookup(b.credential) }));
    const m1s = initiators.map((i) => {
      const r = i.start();
      if (!r.ok) throw r.error;
      return r.value;
    });
    let spent = 0;
    let t0 = cpuUs();
    const m2s = m1s.map((m1) => {
      const r = responder.handleMessage1(m1);
      if (!r.ok) throw r.error;
      return r.value;
    });
    spent += cpuUs() - t0;
    const m3s = m2s.map((m2, k) => {
      const r = (initiators[k] as Initiator).handleMessage2(m2.message2);
      if (!r.ok) throw r.error;
      return r.value.message3;
    });
    t0 = cpuUs();
    m3s.forEach((m3, k) => {
      const r = responder.handleMessage3((m2s[k] as { cR: Uint8Array }).cR, m3);
      if (!r.ok) throw r.error;
    });
    spent += cpuUs() - t0;
    perRound.push(spent / N);
  }
  return median(perRound);
}

/** Median CPU µs for one AES-CCM-16-64-128 encrypt + decrypt of an OSCORE-sized payload (64 bytes, 13-byte nonce). */
function benchCcm(): number {
  const key = randomBytes(16);
  const nonce = randomBytes(13);
  const aad = randomBytes(12);
  const plaintext = randomBytes(64);
  const reps = N * 50;
  const perRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = cpuUs();
    for (let k = 0; k < reps; k++) {
      const c = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: 8 });
      c.setAAD(aad, { plaintextLength: plaintext.length });
      const ct = Buffer.concat([c.update(plaintext), c.final()]);
      const tag = c.getAuthTag();
      const d = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: 8 });
      d.setAuthTag(tag);
      d.setAAD(aad, { plaintextLength: ct.length });
      Buffer.concat([d.update(ct), d.final()]);
    }
    perRound.push((cpuUs() - t0) / reps);
  }
  return median(perRound);
}

export function run(): Promise<void> {
  const ccm = benchCcm();
  const rows: [string, number][] = [
    ['suite 0, method 0 (X25519, Ed25519)', benchHandshake(0, 0, { i: 'signature', r: 'signature' })],
    ['suite 0, method 3 (X25519 static DH)', benchHandshake(0, 3, { i: 'static-dh', r: 'static-dh' })],
    ['suite 2, method 3 (P-256 static DH)', benchHandshake(2, 3, { i: 'static-dh', r: 'static-dh' })],
  ];
  console.log(`EDHOC Responder CPU per handshake (median of ${ROUNDS} rounds x ${N}), vs one OSCORE-sized AES-CCM encrypt+decrypt`);
  console.log(`  AES-CCM-16-64-128, 64-byte payload, encrypt+decrypt: ${ccm.toFixed(2)} us`);
  for (const [name, us] of rows) console.log(`  ${name}: ${(us / 1000).toFixed(2)} ms = ${Math.round(us / ccm)}x the AES-CCM pair`);
  return Promise.resolve();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
