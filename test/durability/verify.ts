/**
 * The checks of the kill -9 harness, as pure functions over what the devices and the consumer
 * recorded in the test process and what the gateway answers after its last restart. Each list of
 * findings belongs to one promise of the device contract (ARCHITECTURE.md): empty means kept.
 */
import type { Command } from './commander.js';
import type { AckedReading, Delivery } from './sleepy-device.js';

/** What the harness knows of one thing that sends readings. */
export interface ReadingSource {
  thingId: string;
  acked: readonly AckedReading[];
  /** Values of its `temp` history after the last restart. */
  history: ReadonlySet<number>;
}

/** What the harness knows of one sleepy device that gets queued items. */
export interface ItemTarget {
  thingId: string;
  commands: readonly Command[];
  executed: readonly Delivery[];
  /** The hub's final view of each acked item (GET /actions/{id}): state, or an error text. */
  hubState: ReadonlyMap<string, string>;
}

/**
 * Lost readings say where they fell: ms after the gateway that acknowledged them was ready, and ms
 * before it was killed (null for the last one). Close to the kill: acknowledged before commit;
 * close to the start: acknowledged by a gateway that did not take them in.
 */
export interface LostReading { thingId: string; value: number; round: number; msAfterReady: number; msBeforeKill: number | null }

/** performance.now() of each gateway's readiness (index = round) and of each kill (index = round it ended). */
export interface Timeline { readyAt: readonly number[]; killedAt: readonly number[] }
export interface ItemFinding { thingId: string; issue: number; id?: string; why: string }

export interface Findings {
  /** Promise 1: every acknowledged reading is in history. */
  readingsLost: LostReading[];
  /** Promise 3: every acked item was executed at its device (a write may be superseded by a later one that was). */
  itemsLost: ItemFinding[];
  /** Promise 3: no item ran twice at its device. */
  executedTwice: ItemFinding[];
  /** Promise 3: per device, items ran in the order they were queued. */
  outOfOrder: ItemFinding[];
  /** Promise 3: nothing ran that the hub refused, and the hub's final state agrees with the device. */
  itemsWrong: ItemFinding[];
}

export function checkReadings(sources: readonly ReadingSource[], timeline: Timeline): LostReading[] {
  const lost: LostReading[] = [];
  for (const s of sources) {
    for (const r of s.acked) {
      if (s.history.has(r.value)) continue;
      const ready = timeline.readyAt[r.round] ?? NaN;
      const kill = timeline.killedAt[r.round];
      lost.push({ thingId: s.thingId, value: r.value, round: r.round, msAfterReady: Math.round(r.at - ready), msBeforeKill: kill === undefined ? null : Math.round(kill - r.at) });
    }
  }
  return lost;
}

export function checkItems(targets: readonly ItemTarget[]): Pick<Findings, 'itemsLost' | 'executedTwice' | 'outOfOrder' | 'itemsWrong'> {
  const out: Pick<Findings, 'itemsLost' | 'executedTwice' | 'outOfOrder' | 'itemsWrong'> = { itemsLost: [], executedTwice: [], outOfOrder: [], itemsWrong: [] };
  for (const t of targets) checkTarget(t, out);
  return out;
}

function checkTarget(t: ItemTarget, out: ReturnType<typeof checkItems>): void {
  const byIssue = new Map(t.commands.map((c) => [c.issue, c]));
  const runsById = new Map<string, number>();
  const runsByIssue = new Map<number, number>();
  let last = 0;
  for (const e of t.executed) {
    runsById.set(e.id, (runsById.get(e.id) ?? 0) + 1);
    runsByIssue.set(e.issue, (runsByIssue.get(e.issue) ?? 0) + 1);
    const c = byIssue.get(e.issue);
    if (!c) out.itemsWrong.push({ thingId: t.thingId, issue: e.issue, id: e.id, why: `ran an item no command of the harness made (${e.kind} ${e.name})` });
    else if (c.state === 'refused') out.itemsWrong.push({ thingId: t.thingId, issue: e.issue, id: e.id, why: `ran an item whose request was refused (${c.detail ?? ''})` });
    else if (c.state === 'acked' && c.id !== e.id) out.itemsWrong.push({ thingId: t.thingId, issue: e.issue, id: e.id, why: `ran item ${e.id} for command ${e.issue}, whose item is ${c.id}` });
    // Strictly increasing command numbers: queue order (one request at a time per device).
    if (!(e.issue > last)) out.outOfOrder.push({ thingId: t.thingId, issue: e.issue, id: e.id, why: `ran command ${e.issue} after command ${last} (round ${e.round})` });
    if (e.issue > last) last = e.issue;
  }
  for (const [id, n] of runsById) {
    if (n > 1) out.executedTwice.push({ thingId: t.thingId, issue: t.executed.find((e) => e.id === id)!.issue, id, why: `ran ${n} times` });
  }
  for (const [issue, n] of runsByIssue) {
    const ids = new Set(t.executed.filter((e) => e.issue === issue).map((e) => e.id));
    if (n > 1 && ids.size > 1) out.executedTwice.push({ thingId: t.thingId, issue, why: `command ran ${n} times under ${ids.size} item ids` });
  }
  const ranIssues = new Set(t.executed.map((e) => e.issue));
  for (const c of t.commands) {
    if (c.state !== 'acked') continue;
    const state = t.hubState.get(c.id!) ?? 'unknown';
    const ran = ranIssues.has(c.issue);
    if (ran) {
      if (state !== 'completed') out.itemsWrong.push({ thingId: t.thingId, issue: c.issue, id: c.id!, why: `ran at the device, but the hub says ${state}` });
      continue;
    }
    if (state === 'superseded' && c.kind === 'w') {
      const later = t.commands.some((x) => x.kind === 'w' && x.issue > c.issue && ranIssues.has(x.issue));
      if (!later) out.itemsLost.push({ thingId: t.thingId, issue: c.issue, id: c.id!, why: 'superseded, but no later write reached the device' });
      continue;
    }
    out.itemsLost.push({ thingId: t.thingId, issue: c.issue, id: c.id!, why: `never ran at the device; the hub says ${state} (queued in round ${c.round})` });
  }
}

/** A few findings as text, for assertion messages. */
export function sample<T>(list: readonly T[], n = 8): string {
  const shown = list.slice(0, n).map((x) => JSON.stringify(x)).join('\n  ');
  return list.length > n ? `${shown}\n  ... and ${list.length - n} more` : shown;
}
