/** SenML (RFC 8428): label table, SenML+JSON and SenML+CBOR codecs, resolution. */
export * from './senml-labels.js';
export { type SenmlDecodeOptions, DEFAULT_MAX_RECORDS } from './senml-record.js';
export { decodeSenmlCbor, encodeSenmlCbor } from './senml-cbor.js';
export { decodeSenmlJson, encodeSenmlJson } from './senml-json.js';
export { resolveSenml, resolvedValue, RELATIVE_TIME_LIMIT, type ResolvedRecord } from './senml-resolve.js';
export { affordanceName, groupReadings, senmlReadings, type GroupedReadings, type Reading, type ReadingKind, type ReadingReport } from './senml-readings.js';
