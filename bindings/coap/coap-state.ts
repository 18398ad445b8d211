/**
 * What the CoAP binding's handlers share: options, the hub context, the endpoint, the resource
 * directory, the value resources and the counters exposed in /metrics.
 */
import type { BindingContext } from '../../gateway/binding.js';
import { DeviceNotFoundError, RoostError } from '../../protocols/errors.js';
import type { CoapEndpoint, Remote } from './coap-endpoint.js';
import type { CoapMessage } from './coap-message.js';
import type { CoapOptions } from './coap-options.js';
import type { EdhocService } from './edhoc/edhoc-service.js';
import type { RateLimiter, RegistrationTable } from './resource-directory.js';
import type { SecurityContexts } from './security-contexts.js';
import type { ValueResources } from './value-resources.js';

export const COUNTERS = [
  'registrations', 'registrationUpdates', 'deregistrations', 'registrationsExpired', 'registrationsRateLimited', 'registrationsRejected',
  'uplinks', 'readings', 'readingsUnknownName', 'malformedCbor', 'invalidSenml', 'unsupportedFormat', 'unknownEndpoint',
  'notFound', 'piggybacked', 'downlinkRequests', 'downlinkFailures', 'notificationsIn', 'results',
  'admissionPending', 'admissionRefused',
  'oscoreRequests', 'oscoreMalformed', 'oscoreUnknownKid', 'oscoreReplay', 'oscoreDecryptFailed', 'oscoreMalformedPlaintext',
  'oscoreEchoChallenges', 'oscoreEchoVerified', 'oscoreForbidden', 'oscoreDisabled', 'oscoreBadResponses', 'plainRefused',
] as const;
export type Counter = (typeof COUNTERS)[number];

export interface CoapState {
  readonly opts: CoapOptions;
  readonly regs: RegistrationTable;
  readonly values: ValueResources;
  readonly counters: Record<Counter, number>;
  ctx: BindingContext | null;
  endpoint: CoapEndpoint | null;
  limiter: RateLimiter | null;
  /** Per-device OSCORE contexts (null before start). */
  contexts: SecurityContexts | null;
  /** EDHOC enrolment (null before start, or with security none). */
  edhoc?: EdhocService | null;
  /**
   * The device a request to a resource served beside Roost's own names, or undefined for none: the
   * LwM2M server's registration locations and Send (lwm2m-server.ts). The security layer holds an
   * authenticated device to its own resources with it, as it does for /t/, /a/, /v/ and /rd/.
   */
  ownerOf?: (req: CoapMessage, from: Remote) => string | undefined;
}

export function newCounters(): Record<Counter, number> {
  return Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
}

/** The hub context; throws BINDING_UNAVAILABLE before start(). */
export function need(s: CoapState): BindingContext {
  if (!s.ctx) throw new RoostError('BINDING_UNAVAILABLE', 'coap binding not started');
  return s.ctx;
}

/** Counts and throws the 4.04 for an endpoint or registration nobody registered. */
export function unknownEndpoint(s: CoapState, what: string): never {
  s.counters.unknownEndpoint++;
  throw new DeviceNotFoundError(`unknown endpoint or registration ${what}`);
}

export function countDecodeError(s: CoapState, err: unknown): void {
  const key = err instanceof RoostError ? err.key : 'INTERNAL';
  if (key === 'CBOR_MALFORMED') s.counters.malformedCbor++;
  else if (key === 'SENML_INVALID') s.counters.invalidSenml++;
  else if (key === 'UNSUPPORTED_MEDIA_TYPE') s.counters.unsupportedFormat++;
}
