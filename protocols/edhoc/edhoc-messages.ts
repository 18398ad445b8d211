/**
 * EDHOC messages and plaintexts as CBOR sequences (RFC 9528 §5, Appendix C.2), encode and parse.
 * Parsing is strict: the item types, counts and encodings the CDDL allows, nothing else
 * (RFC 9529 §4 lists what a compliant implementation must reject).
 */
import { encodeCbor } from '../cbor.js';
import { bstr, cborSeq, expectBstr, expectInt, rawOf, readSequence, type CborItem } from './edhoc-cbor.js';
import { parseIdCred, type IdCred } from './edhoc-credentials.js';
import { encodeEad, parseEad, type EadItem } from './edhoc-ead.js';
import { EdhocError, ERR_CODE, suitesValue } from './edhoc-errors.js';
import { MAX_CONNECTION_ID_BYTES, decodeIdentifier, encodeIdentifier } from './edhoc-identifiers.js';

/** Largest EDHOC message Roost parses (explicit limit; RFC 9528 sets none). */
export const MAX_MESSAGE_BYTES = 4096;

export interface Message1 {
  readonly method: number;
  /** SUITES_I in order of preference; the last one is the selected suite (§5.2.2). */
  readonly suites: readonly number[];
  readonly gX: Uint8Array;
  readonly cI: Uint8Array;
  readonly ead: readonly EadItem[];
}

/** message_1 = ( METHOD, SUITES_I, G_X, C_I, ? EAD_1 ), RFC 9528 §5.2.1. */
export function encodeMessage1(m: Message1): Uint8Array {
  return cborSeq(encodeCbor(m.method), encodeCbor(suitesValue(m.suites)), bstr(m.gX), encodeIdentifier(m.cI), encodeEad(m.ead));
}

export function parseMessage1(bytes: Uint8Array): Message1 {
  const items = sequence(bytes);
  if (items.length < 4) throw new EdhocError('malformed', 'message_1 has fewer than 4 items');
  const [method, suites, gX, cI] = items as [CborItem, CborItem, CborItem, CborItem];
  return {
    method: expectInt(method, 'METHOD'),
    suites: parseSuites(suites),
    gX: expectBstr(gX, 'G_X'),
    cI: decodeIdentifier(bytes, cI, 'C_I', MAX_CONNECTION_ID_BYTES),
    ead: parseEad(items.slice(4)),
  };
}

/** suites = [ 2* int ] / int (§5.2.1): a one-element array is not allowed (RFC 9529 §4.1.3). */
export function parseSuites(item: CborItem): number[] {
  if (item.type === 'int') return [item.value];
  if (item.type === 'array' && item.items.length >= 2) return item.items.map((i) => expectInt(i, 'cipher suite'));
  throw new EdhocError('malformed', 'SUITES is neither an int nor an array of two or more ints');
}

/** message_2 = ( G_Y_CIPHERTEXT_2 : bstr ), §5.3.1. */
export function encodeMessage2(gY: Uint8Array, ciphertext2: Uint8Array): Uint8Array {
  return bstr(Buffer.concat([gY, ciphertext2]));
}

export function parseMessage2(bytes: Uint8Array, keyLength: number): { gY: Uint8Array; ciphertext2: Uint8Array } {
  const body = singleBstr(bytes, 'message_2');
  if (body.length <= keyLength) throw new EdhocError('malformed', 'G_Y_CIPHERTEXT_2 too short');
  return { gY: body.subarray(0, keyLength), ciphertext2: body.subarray(keyLength) };
}

/** message_3 = ( CIPHERTEXT_3 : bstr ) and message_4 = ( CIPHERTEXT_4 : bstr ), §5.4.1, §5.5.1. */
export function encodeCiphertextMessage(ciphertext: Uint8Array): Uint8Array {
  return bstr(ciphertext);
}

export function parseCiphertextMessage(bytes: Uint8Array, what: string): Uint8Array {
  return singleBstr(bytes, what);
}

export interface Plaintext {
  /** C_R (PLAINTEXT_2 only). */
  readonly cR?: Uint8Array;
  readonly idCred: IdCred;
  /** ID_CRED_x as a header map, for context_x and the Sig_structure. */
  readonly idCredEncoded: Uint8Array;
  readonly signatureOrMac: Uint8Array;
  readonly ead: readonly EadItem[];
  /** EAD_x exactly as received (it enters context_x and the Sig_structure). */
  readonly eadRaw: Uint8Array;
}

/** PLAINTEXT_2 = ( C_R, ID_CRED_R / bstr / -24..23, Signature_or_MAC_2, ? EAD_2 ), §5.3.2. */
export function encodePlaintext2(cR: Uint8Array, idCredCompact: Uint8Array, sigOrMac: Uint8Array, ead: readonly EadItem[]): Uint8Array {
  return cborSeq(encodeIdentifier(cR), idCredCompact, bstr(sigOrMac), encodeEad(ead));
}

/** PLAINTEXT_3 = ( ID_CRED_I / bstr / -24..23, Signature_or_MAC_3, ? EAD_3 ), §5.4.2. */
export function encodePlaintext3(idCredCompact: Uint8Array, sigOrMac: Uint8Array, ead: readonly EadItem[]): Uint8Array {
  return cborSeq(idCredCompact, bstr(sigOrMac), encodeEad(ead));
}

export function parsePlaintext(bytes: Uint8Array, n: 2 | 3): Plaintext {
  const items = sequence(bytes);
  const first = n === 2 ? 1 : 0;
  if (items.length < first + 2) throw new EdhocError('malformed', `PLAINTEXT_${n} has too few items`);
  const { id, encoded } = parseIdCred(bytes, items[first] as CborItem);
  return {
    ...(n === 2 ? { cR: decodeIdentifier(bytes, items[0] as CborItem, 'C_R', MAX_CONNECTION_ID_BYTES) } : {}),
    idCred: id,
    idCredEncoded: encoded,
    signatureOrMac: expectBstr(items[first + 1], `Signature_or_MAC_${n}`),
    ead: parseEad(items.slice(first + 2)),
    eadRaw: bytes.subarray((items[first + 1] as CborItem).end),
  };
}

/** PLAINTEXT_4 = ( ? EAD_4 ), §5.5.2. */
export function parsePlaintext4(bytes: Uint8Array): EadItem[] {
  return bytes.length === 0 ? [] : parseEad(sequence(bytes));
}

export interface ErrorMessage {
  readonly errCode: number;
  /** Diagnostic text (code 1), SUITES_R (code 2), true (code 3), or the raw item. */
  readonly errInfo: string | number[] | boolean | Uint8Array;
}

/** True when a message starts with an integer: message_2/3/4 start with a bstr, errors with ERR_CODE (§6). */
export function isErrorMessage(bytes: Uint8Array): boolean {
  const b = bytes[0];
  return b !== undefined && b >> 5 <= 1;
}

/** error = ( ERR_CODE : int, ERR_INFO : any ), §6. */
export function parseErrorMessage(bytes: Uint8Array): ErrorMessage {
  const items = sequence(bytes);
  if (items.length !== 2) throw new EdhocError('malformed', 'error message is not two items');
  const errCode = expectInt(items[0], 'ERR_CODE');
  const info = items[1] as CborItem;
  if (errCode === ERR_CODE.UNSPECIFIED && info.type === 'tstr') return { errCode, errInfo: info.value };
  if (errCode === ERR_CODE.WRONG_SELECTED_SUITE) return { errCode, errInfo: parseSuites(info) };
  if (errCode === ERR_CODE.UNKNOWN_CREDENTIAL && info.type === 'simple' && info.value === true) return { errCode, errInfo: true };
  return { errCode, errInfo: Uint8Array.from(rawOf(bytes, info)) };
}

function sequence(bytes: Uint8Array): CborItem[] {
  if (bytes.length > MAX_MESSAGE_BYTES) throw new EdhocError('too_large', `message over ${MAX_MESSAGE_BYTES} bytes`);
  if (bytes.length === 0) throw new EdhocError('truncated', 'empty message');
  return readSequence(bytes);
}

function singleBstr(bytes: Uint8Array, what: string): Uint8Array {
  const items = sequence(bytes);
  // RFC 9529 §4.1.5: message_2 (like message_3 and message_4) is exactly one bstr.
  if (items.length !== 1) throw new EdhocError('malformed', `${what} is not exactly one item`);
  return expectBstr(items[0], what);
}
