/**
 * Turns whatever a request handler or fastify itself threw into a RoostError, so every error
 * on the wire is RFC 7807 problem+json with a stable code (docs/errors.md).
 */
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import {
  BadRequestError, HeadersTooLargeError, MethodNotAllowedError, PayloadTooLargeError, RoostError, UnsupportedMediaTypeError, UriTooLongError, toRoostError,
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
  FST_ERR_MAX_PARAM_LENGTH: UriTooLongError,
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

/** Sends the error as problem+json (with Retry-After when it says how long to wait). */
export function sendProblem(reply: FastifyReply, e: RoostError): FastifyReply {
  const retryAfter = e.details?.['retryAfterS'];
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  return reply.status(e.httpStatus).type('application/problem+json').send(problem(e));
}

/**
 * Errors Node's HTTP parser meets before fastify sees a request (a request line and headers over
 * the 16 KB limit, a malformed request): answered on the socket as problem+json too, then closed.
 */
export function clientErrorResponse(err: Error & { code?: string }): Buffer | null {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET') return null;
  const e = err.code === 'HPE_HEADER_OVERFLOW'
    ? new HeadersTooLargeError('request line and headers exceed 16 KB')
    : new BadRequestError(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request not complete in time' : 'malformed HTTP request');
  const body = JSON.stringify(problem(e));
  const reason = e.httpStatus === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  return Buffer.from(`HTTP/1.1 ${e.httpStatus} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** fastify's clientErrorHandler: the typed answer, then the socket closes (as Node's own handler does). */
export function onClientError(err: Error & { code?: string }, socket: Socket): void {
  const res = socket.destroyed ? null : clientErrorResponse(err);
  if (res && socket.writable) socket.end(res);
  else socket.destroy();
}

export function problem(e: RoostError): Record<string, unknown> {
  const body: Record<string, unknown> = { type: `https://roost.dev/errors/${e.code}`, title: e.message, status: e.httpStatus, code: e.code };
  // INTERNAL keeps its cause off the wire; other errors may carry safe details (binding, limit...).
  if (e.details && e.key !== 'INTERNAL') body['details'] = e.details;
  return body;
}
