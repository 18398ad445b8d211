/**
 * Protecting and verifying CoAP requests and responses (RFC 8613 §8), on the request/response
 * layer only: `CoapContent` in, `CoapContent` out. Type, Message ID and Token are class U
 * (§4.2) and stay with the caller, who also keeps, per Token, the `OscoreExchange` a request
 * returned until its response is done (§8: "the association (Token, {Security Context,
 * Partial IV of the request})").
 *
 * Pure apart from the caller's ReplayWindow, which unprotectRequest checks and updates. Sender
 * Sequence Numbers come from the caller (sequence-store.ts), so that persisting them stays an
 * explicit step before sending.
 *
 * Failures are OscoreError (oscore-errors.ts) with the CoAP answer the RFC prescribes.
 */
import { codeByte, codeText, decodeOptionList, encodeOptionList, isRequestCode, isResponseCode, sortOptions, type CoapContent, type CoapOption } from './coap-option-list.js';
import { open, seal } from './oscore-aead.js';
import { exchangeAad } from './oscore-aad.js';
import type { OscoreContext } from './oscore-context.js';
import { OscoreError } from './oscore-errors.js';
import { OBSERVE, OSCORE, PROXY_URI, isInner, keepOuter } from './oscore-option-classes.js';
import { decodeOscoreOption, encodeOscoreOption, type OscoreOptionValue } from './oscore-option.js';
import { buildNonce, encodePartialIv, partialIvValue } from './oscore-nonce.js';
import type { ReplayWindow } from './replay-window.js';

/** What a response to one request is bound to (RFC 8613 §7.1); keep it per Token. */
export interface OscoreExchange {
  /** The request's 'kid': the client's Sender ID. */
  readonly kid: Buffer;
  /** The request's Partial IV, as sent. */
  readonly partialIv: Buffer;
  /** The request's AEAD nonce, reused by a response without its own Partial IV (§5.2). */
  readonly nonce: Buffer;
  /** The request carried an Inner Observe option (a registration or cancellation). */
  readonly observe: boolean;
}

/** The server's state for one client: the derived context and its Replay Window. */
export interface RecipientState {
  readonly context: OscoreContext;
  readonly replay: ReplayWindow;
}

/** Finds the Recipient Context for a request's 'kid' and optional 'kid context' (RFC 8613 §8.2 step 2). */
export type RecipientLookup = (kid: Buffer, kidContext: Buffer | null) => RecipientState | undefined;

export interface ProtectRequestOptions {
  /** Send the ID Context as 'kid context' (RFC 8613 §5.1); default false. */
  sendKidContext?: boolean;
}

export interface UnprotectedRequest {
  readonly message: CoapContent;
  readonly exchange: OscoreExchange;
  readonly context: OscoreContext;
  /** The client's Sender Sequence Number (the Partial IV's value). */
  readonly seq: number;
  /**
   * False when the Replay Window was unsynchronized (after a restart): the request verified but
   * may be a replay, so answer with an Echo challenge and do not act on it (RFC 8613 B.1.2).
   */
  readonly replayChecked: boolean;
}

// RFC 8613 §4.2 and §4.1.3.5: Outer Codes.
const OUTER_REQUEST = '0.02';
const OUTER_OBSERVE_REQUEST = '0.05';
const OUTER_RESPONSE = '2.04';
const OUTER_OBSERVE_RESPONSE = '2.05';

const NO_BYTES = Buffer.alloc(0);

/** RFC 8613 §8.1. `seq` is the Sender Sequence Number to use (from a SequenceStore ticket). */
export function protectRequest(ctx: OscoreContext, msg: CoapContent, seq: number, options: ProtectRequestOptions = {}): { message: CoapContent; exchange: OscoreExchange } {
  if (!isRequestCode(codeByte(msg.code))) throw new OscoreError('unprotectable', `${msg.code} is not a request code`);
  const partialIv = encodePartialIv(seq);
  const nonce = buildNonce(ctx.commonIv, ctx.senderId, partialIv);
  // RFC 8613 §5: 'Partial IV' and 'kid' SHALL be present in requests.
  const option: OscoreOptionValue = { partialIv, kid: ctx.senderId, kidContext: options.sendKidContext ? ctx.idContext : null };
  const observe = findObserve(msg.options) !== undefined;
  const aad = exchangeAad(ctx.alg, ctx.senderId, partialIv);
  const message = protect(msg, ctx.senderKey, nonce, aad, option, observe ? OUTER_OBSERVE_REQUEST : OUTER_REQUEST, false);
  return { message, exchange: { kid: Buffer.from(ctx.senderId), partialIv, nonce, observe } };
}

/** RFC 8613 §8.2. Throws OscoreError: malformed_option, unknown_kid, replay, decrypt_failed, malformed_plaintext. */
export function unprotectRequest(msg: CoapContent, lookup: RecipientLookup): UnprotectedRequest {
  const option = readOscoreOption(msg);
  const { partialIv, kid, kidContext } = option;
  // RFC 8613 §5: a request without 'Partial IV' or 'kid' does not decode.
  if (!partialIv || !kid) throw new OscoreError('malformed_option', `request without ${partialIv ? "'kid'" : "'Partial IV'"}`);
  const state = lookup(kid, kidContext);
  // RFC 8613 §5: with a 'kid context' the server SHALL use a context with that ID Context.
  if (!state || (kidContext && !(state.context.idContext?.equals(kidContext) ?? false))) {
    throw new OscoreError('unknown_kid', undefined, { kid: kid.toString('hex') });
  }
  const { context, replay } = state;
  const seq = partialIvValue(partialIv);
  // RFC 8613 §8.2 step 3 (§7.4).
  if (!replay.isFresh(seq)) throw new OscoreError('replay', undefined, { seq });
  // RFC 8613 §8.2 steps 4-5: AAD from the request's own kid and Partial IV; nonce from the Recipient ID.
  const nonce = buildNonce(context.commonIv, context.recipientId, partialIv);
  const plain = open(context.recipientKey, nonce, msg.payload, exchangeAad(context.alg, kid, partialIv));
  // RFC 8613 §8.2 step 6: update the Replay Window only once the tag verified.
  const replayChecked = replay.synchronized;
  replay.record(seq);
  const message = rebuild(msg, plain, isRequestCode);
  const exchange = { kid: Buffer.from(kid), partialIv: Buffer.from(partialIv), nonce, observe: findObserve(message.options) !== undefined };
  return { message, exchange, context, seq, replayChecked };
}

/**
 * RFC 8613 §8.3. Without `seq` the response reuses the request's nonce and carries no Partial IV;
 * with `seq` (a SequenceStore ticket) it carries its own, as Observe notifications after the
 * first and Echo challenges after a restart must (§4.1.3.5.2, B.1.2).
 */
export function protectResponse(ctx: OscoreContext, exchange: OscoreExchange, msg: CoapContent, seq?: number): CoapContent {
  if (!isResponseCode(codeByte(msg.code))) throw new OscoreError('unprotectable', `${msg.code} is not a response code`);
  const partialIv = seq === undefined ? null : encodePartialIv(seq);
  const nonce = partialIv ? buildNonce(ctx.commonIv, ctx.senderId, partialIv) : exchange.nonce;
  const observe = findObserve(msg.options) !== undefined;
  const aad = exchangeAad(ctx.alg, exchange.kid, exchange.partialIv);
  return protect(msg, ctx.senderKey, nonce, aad, { partialIv, kid: null, kidContext: null }, observe ? OUTER_OBSERVE_RESPONSE : OUTER_RESPONSE, true);
}

/** RFC 8613 §8.4. On any OscoreError the client stops processing the response (step 8). */
export function unprotectResponse(ctx: OscoreContext, exchange: OscoreExchange, msg: CoapContent): CoapContent {
  const { partialIv } = readOscoreOption(msg);
  // RFC 8613 §8.4 step 4: the response's own Partial IV was generated with the server's Sender ID.
  const nonce = partialIv ? buildNonce(ctx.commonIv, ctx.recipientId, partialIv) : exchange.nonce;
  const plain = open(ctx.recipientKey, nonce, msg.payload, exchangeAad(ctx.alg, exchange.kid, exchange.partialIv));
  const message = rebuild(msg, plain, isResponseCode);
  // RFC 8613 §4.1.3.5.2: an Inner Observe in the response to a non-Observe request stops processing.
  if (!exchange.observe && findObserve(message.options)) throw new OscoreError('malformed_plaintext', 'Inner Observe in a response to a non-Observe request');
  return message;
}

/** True when the message carries an OSCORE option, i.e. it is for unprotectRequest/Response. */
export function hasOscoreOption(msg: CoapContent): boolean {
  return msg.options.some((o) => o.number === OSCORE);
}

function findObserve(options: readonly CoapOption[]): CoapOption | undefined {
  return options.find((o) => o.number === OBSERVE);
}

/** RFC 8613 §4 and §5.3: plaintext = Code | Class E options | 0xff Payload; Outer = class U + OSCORE. */
function protect(msg: CoapContent, key: Buffer, nonce: Buffer, aad: Buffer, option: OscoreOptionValue, outerCode: string, response: boolean): CoapContent {
  const inner: CoapOption[] = [];
  const outer: CoapOption[] = [];
  for (const o of msg.options) {
    // RFC 8613 §4.1.3.7: nested OSCORE is not supported.
    if (o.number === OSCORE) throw new OscoreError('unprotectable', 'the message already has an OSCORE option');
    // RFC 8613 §4.1.3.3: Proxy-Uri must first be split into Proxy-Scheme, Uri-* options.
    if (o.number === PROXY_URI) throw new OscoreError('unprotectable', 'decompose Proxy-Uri before protecting (RFC 8613 §4.1.3.3)');
    if (o.number === OBSERVE) {
      // RFC 8613 §4.1.3.5: Outer Observe for intermediaries; Inner value empty in notifications.
      outer.push(o);
      inner.push(response ? { number: OBSERVE, value: NO_BYTES } : o);
    } else if (isInner(o.number)) inner.push(o);
    else outer.push(o);
  }
  const plaintext = Buffer.concat([Buffer.of(codeByte(msg.code)), encodeOptionList(inner, msg.payload)]);
  outer.push({ number: OSCORE, value: encodeOscoreOption(option) });
  return { code: outerCode, options: sortOptions(outer), payload: seal(key, nonce, plaintext, aad) };
}

function readOscoreOption(msg: CoapContent): OscoreOptionValue {
  const found = msg.options.filter((o) => o.number === OSCORE);
  if (found.length !== 1) throw new OscoreError('malformed_option', found.length === 0 ? 'no OSCORE option' : 'OSCORE option repeated');
  // RFC 8613 §2: an OSCORE message without payload is malformed.
  if (msg.payload.length === 0) throw new OscoreError('malformed_option', 'OSCORE message without payload');
  return decodeOscoreOption(found[0]!.value);
}

/** RFC 8613 §8.2/§8.4 steps 1 and 7: decrypted Code, Inner options, payload; Outer class U options kept. */
function rebuild(msg: CoapContent, plain: Buffer, codeOk: (b: number) => boolean): CoapContent {
  if (plain.length === 0 || !codeOk(plain[0]!)) throw new OscoreError('malformed_plaintext', 'plaintext code of the wrong class');
  let decoded: { options: CoapOption[]; payload: Buffer };
  try {
    decoded = decodeOptionList(plain, 1);
  } catch (err) {
    throw new OscoreError('malformed_plaintext', `plaintext options: ${(err as Error).message}`, undefined, { cause: err });
  }
  // RFC 8613 §4.1.3.7: an OSCORE option inside the plaintext stops processing.
  if (decoded.options.some((o) => o.number === OSCORE)) throw new OscoreError('malformed_plaintext', 'Inner OSCORE option');
  const outer = msg.options.filter((o) => keepOuter(o.number));
  return { code: codeText(plain[0]!), options: sortOptions([...outer, ...decoded.options]), payload: decoded.payload };
}
