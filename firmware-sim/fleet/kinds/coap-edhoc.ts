/**
 * EDHOC for the fleet's CoAP kinds: the device's enrolment layer made from its scenario key (kept by
 * the kind across reboots, like flash), and its figures for the report.
 */
import { DeviceEdhoc } from '../../coap/index.js';
import type { DeviceContext, EnrolmentCost } from '../device-model.js';

/** The device's EDHOC layer, or null when it has OSCORE keys or speaks plain CoAP. */
export function fleetEdhoc(ctx: DeviceContext): DeviceEdhoc | null {
  const k = ctx.edhoc;
  return k ? new DeviceEdhoc({ auth: k.auth, method: k.method, suites: [k.suite], pins: k.pins, combined: k.combined }) : null;
}

/** What its enrolments cost: EDHOC's own exchanges plus message_3's bytes in combined requests. */
export function enrolmentCostOf(edhoc: DeviceEdhoc | null): EnrolmentCost | undefined {
  if (!edhoc) return undefined;
  const s = edhoc.stats;
  return {
    enrolments: s.enrolments, failures: s.failures, roundTrips: s.roundTrips,
    datagramsUp: s.datagramsUp, bytesUp: s.bytesUp + s.combinedBytes, datagramsDown: s.datagramsDown, bytesDown: s.bytesDown,
  };
}
