/** Endpoints set up with RFC 9529 §3's keys and credentials (method 3, suite 2), for the behaviour tests. */
import {
  Initiator,
  Responder,
  ccsCredential,
  describeIdCred,
  idCredOf,
  type Credential,
  type IdCred,
  type InitiatorConfig,
  type LocalAuth,
  type ResponderConfig,
} from '../../../protocols/edhoc/index.js';
import { bytesOf, loadVectors, type TraceVectors } from './vectors.js';

export const trace2 = loadVectors<TraceVectors>('rfc9529-trace2.json').values;
export const val = (name: string): Uint8Array => bytesOf(trace2, name);

const credI = ccsCredential(val('CRED_I (CBOR data item)'));
const credR = ccsCredential(val('CRED_R (CBOR data item)'));
export const authI: LocalAuth = { privateKey: val('SK_I'), credential: credI, idCred: idCredOf(credI, 'kid') };
export const authR: LocalAuth = { privateKey: val('SK_R'), credential: credR, idCred: idCredOf(credR, 'kid') };

/** A lookup that knows the given credentials by kid, and accepts nothing by value. */
export function lookupOf(...creds: Credential[]): (id: IdCred) => Credential | undefined {
  return (id) => creds.find((c) => JSON.stringify(describeIdCred(idCredOf(c, 'kid'))) === JSON.stringify(describeIdCred(id)));
}

export function traceInitiator(over: Partial<InitiatorConfig> = {}): Initiator {
  return new Initiator({
    method: 3,
    suites: [6, 2],
    auth: authI,
    lookupCredential: lookupOf(credR),
    connectionId: val('C_I'),
    ephemeralKey: () => val('X'),
    ...over,
  });
}

export function traceResponder(over: Partial<ResponderConfig> = {}): Responder {
  return new Responder({
    methods: [3],
    suites: [2],
    auth: [authR],
    lookupCredential: lookupOf(credI),
    ...over,
  });
}

/** An Initiator that has sent RFC 9529 §3.3's message_1 byte for byte (after SUITES_R = 2). */
export function initiatorAfterMessage1(over: Partial<InitiatorConfig> = {}): Initiator {
  const i = traceInitiator(over);
  if (!i.start().ok) throw new Error('first message_1');
  i.handleMessage2(val('error'));
  const m1 = i.start();
  if (!m1.ok) throw m1.error;
  if (Buffer.compare(m1.value, val('message_1')) !== 0) throw new Error('not the trace message_1');
  return i;
}
