/** EDHOC (RFC 9528) as a pure protocol layer: codecs, key schedule and the two state machines. */
export * from './edhoc-errors.js';
export { CIPHER_SUITES, METHODS, suiteById, type CipherSuite, type AuthKind } from './edhoc-suites.js';
export { CURVES, SIGNATURES, staticDhPublicKey, publicKeyBytes, type PublicKey } from './edhoc-crypto.js';
export { KDF_LABEL, EXPORTER_LABEL, edhocExtract, edhocKdf, kdfInfo, edhocExporter, edhocKeyUpdate, prkExporterOf } from './edhoc-kdf.js';
export { encodeIdentifier, decodeIdentifier, MAX_CONNECTION_ID_BYTES } from './edhoc-identifiers.js';
export {
  ccsCredential,
  makeCcs,
  x509Credential,
  idCredOf,
  encodeIdCred,
  encodeIdCredCompact,
  describeIdCred,
  fingerprintOf,
  type Credential,
  type IdCred,
} from './edhoc-credentials.js';
export { encodeEad, type EadItem } from './edhoc-ead.js';
export * from './edhoc-messages.js';
export { deriveOscoreContext, type OscoreContextInput, type OscoreDerivationOptions } from './edhoc-oscore.js';
export { EdhocSession, type CredentialLookup, type EdhocStep, type LocalAuth, type PeerInfo } from './edhoc-session.js';
export type { TraceSink } from './edhoc-schedule.js';
export { Initiator, type InitiatorConfig, type InitiatorState } from './edhoc-initiator.js';
export { Responder, DEFAULT_MAX_SESSIONS, type ResponderConfig, type ResponderCounters } from './edhoc-responder.js';
export { EDHOC_OPTION_NUMBER, encodeCidPayload, parseCidPayload, encodeCombinedPayload, splitCombinedPayload } from './edhoc-transport.js';
