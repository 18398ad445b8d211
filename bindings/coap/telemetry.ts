/**
 * Telemetry payloads to readings: SenML+CBOR (112), SenML+JSON (110) or a plain CBOR map of
 * name -> value (60). Record names map to affordances by full name, else by their last segment
 * (so `bn:"urn:dev:ow:10e2073a:"`, `n:"temp"` reaches property `temp`): protocols/senml's
 * groupReadings, shared with the serial binding.
 */
import { decodeCborJson } from '../../protocols/cbor.js';
import { SenmlInvalidError, UnsupportedMediaTypeError } from '../../protocols/errors.js';
import { decodeSenmlCbor, decodeSenmlJson, resolveSenml, senmlReadings, type Reading } from '../../protocols/senml/index.js';

export const CBOR_CONTENT_FORMAT = 60;

/** Decodes a telemetry body. Throws CborMalformedError, SenmlInvalidError, UnsupportedMediaTypeError. */
export function decodeTelemetry(contentFormat: number | undefined, payload: Buffer, nowMs: number, maxRecords: number): Reading[] {
  switch (contentFormat) {
    case 112: // RFC 8428 §6
      return senmlReadings(resolveSenml(decodeSenmlCbor(payload, { maxRecords }), nowMs / 1000));
    case 110: // RFC 8428 §5
      return senmlReadings(resolveSenml(decodeSenmlJson(payload, { maxRecords }), nowMs / 1000));
    case CBOR_CONTENT_FORMAT: {
      const map = decodeCborJson(payload);
      if (map === null || typeof map !== 'object' || Array.isArray(map) || map instanceof Uint8Array) {
        throw new SenmlInvalidError('a CBOR telemetry body must be a map of name to value');
      }
      return Object.entries(map as Record<string, unknown>).map(([name, value]) => ({ name, value, ts: nowMs }));
    }
    default:
      // RFC 7252 §5.10.3: a format the server does not handle -> 4.15.
      throw new UnsupportedMediaTypeError(`content format ${contentFormat ?? 'none'} not accepted: use 112, 110 or 60`);
  }
}
