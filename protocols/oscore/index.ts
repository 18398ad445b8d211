/**
 * OSCORE (RFC 8613) as a pure codec: context derivation, option value, nonce, AAD, protect and
 * verify of requests and responses, the Replay Window and crash-safe Sender Sequence Numbers.
 * AES-CCM-16-64-128 and HKDF-SHA-256 only. Wire-level guide: docs/protocols/oscore.md.
 */
export { type CoapContent, type CoapOption, codeByte, codeText, decodeOptionList, encodeOptionList } from './coap-option-list.js';
export { type CoapDatagram, type CoapType, decodeCoapDatagram, encodeCoapDatagram } from './coap-datagram.js';
export { OSCORE_ERRORS, OscoreError, type OscoreErrorReason, type OscoreErrorSpec } from './oscore-errors.js';
export { OPTION_CLASSES, type OscoreClass, optionClass, ECHO, OBSERVE, OSCORE } from './oscore-option-classes.js';
export { decodeOscoreOption, encodeOscoreOption, type OscoreOptionValue, MAX_OSCORE_OPTION_BYTES, MAX_PARTIAL_IV_BYTES } from './oscore-option.js';
export { AES_CCM_16_64_128, MAX_ID_BYTES, deriveContext, kdfInfo, type OscoreContext, type OscoreContextInput } from './oscore-context.js';
export { buildNonce, encodePartialIv, partialIvValue, MAX_SEQUENCE_NUMBER } from './oscore-nonce.js';
export { encodeAad, encodeAadArray, exchangeAad } from './oscore-aad.js';
export {
  hasOscoreOption,
  protectRequest,
  protectResponse,
  unprotectRequest,
  unprotectResponse,
  type OscoreExchange,
  type ProtectRequestOptions,
  type RecipientLookup,
  type RecipientState,
  type UnprotectedRequest,
} from './oscore-message.js';
export { DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW, ReplayWindow } from './replay-window.js';
export { DEFAULT_SEQUENCE_OPTIONS, SequenceStore, type SequenceStoreOptions, type SequenceTicket } from './sequence-store.js';
