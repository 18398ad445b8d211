/**
 * Turns whatever a request handler or fastify itself threw into a RoostError, so every error
 * on the wire is RFC 7807 problem+json with a stable code (docs/errors.md).
 */
import {
  BadRequestError, MethodNotAllowedError, PayloadTooLargeError, RoostError, UnsupportedMediaTypeError, toRoostError,
} from '../../protocols/errors.js';

type FastifyishError = Error & { statusCode?: number; code?: string; validation?: unknown };

/** fastify's own error codes and the typed error each becomes. */
const FASTIFY_CODES: Readonly<Record<string, new (message?: string) => RoostError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: PayloadTooLargeError,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: UnsupportedMediaTypeError,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: BadRequestError,
  FST_ERR_CTP_EMPTY_JSON_BODY: BadRequestError,
  FST_ERR_CTP_INVALID_JSON_BODY: BadRequestError,
  FST_ERR_VALIDATION: BadRequestError,
  FST_ERR_BAD_URL: BadRequestError,
  FST_ERR_ASYNC_CONSTRAINT: BadRequestError,
};

export function httpError(err: FastifyishError): RoostError {
  if (err instanceof RoostError) return err;
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) return new mapped(err.message);
  if (err.validation) return new BadRequestError(err.message);
  // JSON.parse failures from the content-type parsers carry statusCode 400 and no code.
  if (err.statusCode === 400) return new BadRequestError(err.message);
  if (err.statusCode === 405) return new MethodNotAllowedError(err.message);
  if (err.statusCode === 413) return new PayloadTooLargeError(err.message);
  if (err.statusCode === 415) return new UnsupportedMediaTypeError(err.message);
  return toRoostError(err);
}

export function problem(e: RoostError): Record<string, unknown> {
  const body: Record<string, unknown> = { type: `https://roost.dev/errors/${e.code}`, title: e.message, status: e.httpStatus, code: e.code };
  // INTERNAL keeps its cause off the wire; other errors may carry safe details (binding, limit...).
  if (e.details && e.key !== 'INTERNAL') body['details'] = e.details;
  return body;
}
