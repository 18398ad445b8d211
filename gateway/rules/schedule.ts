/**
 * When a schedule trigger is next due, pure: every `everyMs` from the moment the rule started, or
 * each day at `dailyAt` (HH:MM, UTC). A tick that comes late fires once, never to catch up.
 */
const DAY_MS = 86_400_000;

export interface ScheduleSpec { everyMs?: number; dailyAt?: string }

/** The first due time strictly after `now`, given the previous due time (or none). */
export function nextDue(spec: ScheduleSpec, now: number, previous?: number): number {
  if (spec.everyMs !== undefined) {
    const base = previous ?? now;
    const steps = Math.max(1, Math.floor((now - base) / spec.everyMs) + 1);
    return base + steps * spec.everyMs;
  }
  const [h, m] = (spec.dailyAt ?? '00:00').split(':').map(Number) as [number, number];
  const today = Math.floor(now / DAY_MS) * DAY_MS + (h * 60 + m) * 60_000;
  return today > now ? today : today + DAY_MS;
}

export function describeSchedule(spec: ScheduleSpec): string {
  return spec.everyMs !== undefined ? `every ${spec.everyMs / 1000} s` : `daily at ${spec.dailyAt ?? '00:00'} UTC`;
}
