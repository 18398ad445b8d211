/**
 * End-to-end check of a run: every action and write the scenario sent reached its device exactly
 * once (a write the hub superseded with a newer one before delivery: never), and every reading the gateway acknowledged is in the gateway's history (history may hold more,
 * e.g. a value the device had before the run), and nothing of a device the gateway must refuse
 * (a wrong bind key) is. Needs the runner to record readings.
 */
import type { FleetRunner } from './fleet-runner.js';
import { isSuperseded } from './report.js';

/** Where the check reads history: the hub's history API, or the hub itself in-process. */
export type HistorySource = (thingId: string, name: string) => Promise<unknown[]>;

export interface Verification {
  ok: boolean;
  readingsChecked: number;
  readingsMissing: number;
  /** Actions and writes. */
  actionsChecked: number;
  actionsNotExactlyOnce: number;
  /** Acknowledged readings found in history, by device kind (a hub's reading counts once, when every unit thing has it). */
  storedPerKind: Record<string, number>;
  /** Readings of devices the gateway must refuse (a wrong bind key) that are in history all the same. */
  rejectedInHistory: number;
  /** The first problems found, for the message. */
  problems: string[];
}

/** How many of `want` are not in `have`, counting repeats (order is not checked: devices stamp their own times). */
function missingFrom(want: readonly unknown[], have: readonly unknown[]): number {
  const left = new Map<unknown, number>();
  for (const h of have) left.set(h, (left.get(h) ?? 0) + 1);
  let missing = 0;
  for (const w of want) {
    const n = left.get(w) ?? 0;
    if (n > 0) left.set(w, n - 1);
    else missing++;
  }
  return missing;
}

export async function verifyRun(runner: FleetRunner, history: HistorySource, maxProblems = 20): Promise<Verification> {
  const v: Verification = { ok: true, readingsChecked: 0, readingsMissing: 0, actionsChecked: 0, actionsNotExactlyOnce: 0, storedPerKind: {}, rejectedInHistory: 0, problems: [] };
  const note = (p: string): void => {
    if (v.problems.length < maxProblems) v.problems.push(p);
  };
  for (const d of runner.devices) {
    if (d.model.rejected) {
      const names = new Set(d.log.flatMap((l) => Object.keys(l.values)));
      for (const name of names) {
        // A refused device may have no thing at all: a history source that throws for it holds nothing.
        const have = await Promise.resolve().then(() => history(d.model.thingId, name)).catch(() => []);
        v.rejectedInHistory += have.length;
        if (have.length > 0) note(`${d.model.thingId}/${name}: ${have.length} readings in history from a device the gateway must refuse`);
      }
      continue;
    }
    const acked = d.log.filter((l) => l.acknowledged);
    const names = new Set(acked.flatMap((l) => Object.keys(l.values)));
    let stored = 0;
    for (const name of names) {
      const want = acked.map((l) => l.values[name]).filter((x) => x !== undefined);
      let worst = 0;
      for (const thingId of d.model.thingIds ?? [d.model.thingId]) {
        const missing = missingFrom(want, await history(thingId, name));
        worst = Math.max(worst, missing);
        v.readingsChecked += want.length;
        v.readingsMissing += missing;
        if (missing > 0) note(`${thingId}/${name}: ${missing} of ${want.length} acknowledged readings not in history`);
      }
      stored += want.length - worst;
    }
    v.storedPerKind[d.kindName] = (v.storedPerKind[d.kindName] ?? 0) + stored;
  }
  for (const a of runner.sent) {
    v.actionsChecked++;
    if (isSuperseded(a)) continue;
    if (a.received !== 1 || a.error !== undefined) {
      v.actionsNotExactlyOnce++;
      note(`${a.key} ${a.type} ${a.name} on ${a.device}: received ${a.received} times${a.error ? `, ${a.error}` : ''} (state ${a.state ?? 'none'})`);
    }
  }
  if (runner.unexpectedCommands > 0) note(`${runner.unexpectedCommands} commands matched no action of this run`);
  v.ok = v.readingsMissing === 0 && v.actionsNotExactlyOnce === 0 && v.rejectedInHistory === 0 && runner.unexpectedCommands === 0;
  return v;
}
