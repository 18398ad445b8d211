/** The serial binding's own counters (the link's frame counters are added to them in status()). */
export const SERIAL_COUNTERS = [
  'portOpens', 'portOpenFailures', 'portDisconnects', 'listFailures',
  'hellos', 'helloRejected', 'describes', 'thingsRejected', 'timeSyncs',
  'telemetryPacks', 'readings', 'readingsUnknownName', 'invalidTelemetry', 'unknownUnit',
  'sleeps', 'wakes', 'logLines', 'unexpectedMessages',
  // Frames not acknowledged: not stored (unknown or unregistered unit), or their commit failed.
  'framesNotStored', 'commitFailures',
  // Units recognised from what the binding remembered (after a restart or replug, no hello needed).
  'unitsRestored',
  // Onboarding: units of a pending (or refused) device not registered; frames of such units not
  // stored; registrations dropped because an admin rejected or revoked the device.
  'unitsPending', 'unitsRefused', 'framesUnadmitted', 'unitsCutOff',
  // resultsForgotten: delivered items whose result did not come while the binding remembered them.
  'deliveries', 'deliveryRetries', 'results', 'resultsUnknown', 'resultsForgotten',
] as const;

export type SerialCounter = (typeof SERIAL_COUNTERS)[number];
export type SerialCounters = Record<SerialCounter, number>;

export function newCounters(): SerialCounters {
  return Object.fromEntries(SERIAL_COUNTERS.map((c) => [c, 0])) as SerialCounters;
}

/** Adds the numeric fields of `from` into `into`. */
export function addInto(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}
