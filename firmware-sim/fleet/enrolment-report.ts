/**
 * What EDHOC enrolment cost a fleet's CoAP kinds (`security: edhoc`), beside a wake: per enrolment
 * the round trips, bytes each way, radio-on time and charge of the energy model (energy.ts
 * exchangeCost), and per wake (enrolments taken out) the same figures, so that an enrolment can be
 * read as a number of wakes. Deterministic for a seed, like the rest of the report.
 */
import type { EnrolmentCost } from './device-model.js';
import { exchangeCost, radioChargeMah, radioTime, type Traffic } from './energy.js';
import type { FleetRunner } from './fleet-runner.js';

export interface EnrolmentReport {
  enrolments: number;
  /** Handshakes that gave no context (pending approval, refused, lost). */
  failures: number;
  perEnrolment: ExchangeFigures & { roundTrips: number };
  /** Battery kinds: a wake without enrolment, on average, and an enrolment's charge in such wakes. */
  perWake?: ExchangeFigures;
  enrolmentInWakes?: number;
}

export interface ExchangeFigures {
  bytesUp: number;
  bytesDown: number;
  radioOnMs: number;
  /** Charge in µAh. */
  chargeUah: number;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Enrolment figures per kind, for kinds whose devices enrolled. */
export function enrolmentReports(runner: FleetRunner): Record<string, EnrolmentReport> {
  const sums = new Map<string, { cost: EnrolmentCost; wake: Traffic; battery: boolean; energy: Parameters<typeof exchangeCost>[2] }>();
  for (const d of runner.devices) {
    const c = d.model.enrolmentCost?.();
    if (!c) continue;
    let s = sums.get(d.kindName);
    if (!s) {
      s = { cost: { enrolments: 0, failures: 0, roundTrips: 0, datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0 }, wake: { wakes: 0, datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0 }, battery: d.kind.power === 'battery', energy: d.energy };
      sums.set(d.kindName, s);
    }
    for (const k of Object.keys(s.cost) as (keyof EnrolmentCost)[]) s.cost[k] += c[k];
    const t = d.traffic();
    // The wakes' own traffic: everything the device sent and received but its enrolments.
    s.wake.wakes += t.wakes;
    s.wake.datagramsUp += t.datagramsUp - c.datagramsUp;
    s.wake.bytesUp += t.bytesUp - c.bytesUp;
    s.wake.datagramsDown += t.datagramsDown - c.datagramsDown;
    s.wake.bytesDown += t.bytesDown - c.bytesDown;
  }
  const out: Record<string, EnrolmentReport> = {};
  for (const [name, { cost: c, wake: w, battery, energy }] of sums) {
    const n = Math.max(1, c.enrolments);
    const e = exchangeCost(c, c.roundTrips, energy);
    const r: EnrolmentReport = {
      enrolments: c.enrolments, failures: c.failures,
      perEnrolment: { roundTrips: r3(c.roundTrips / n), bytesUp: r3(c.bytesUp / n), bytesDown: r3(c.bytesDown / n), radioOnMs: r3(e.radioOnMs / n), chargeUah: r3((e.chargeMah * 1000) / n) },
    };
    if (battery && w.wakes > 0) {
      const rt = radioTime(w, energy);
      const wakeUah = (radioChargeMah(w, energy) * 1000) / w.wakes;
      r.perWake = { bytesUp: r3(w.bytesUp / w.wakes), bytesDown: r3(w.bytesDown / w.wakes), radioOnMs: r3((rt.txMs + rt.rxMs) / w.wakes), chargeUah: r3(wakeUah) };
      r.enrolmentInWakes = r3(wakeUah > 0 ? r.perEnrolment.chargeUah / wakeUah : 0);
    }
    out[name] = r;
  }
  return out;
}

/** Lines for the terminal summary. */
export function summarizeEnrolment(kinds: Record<string, { enrolment?: EnrolmentReport }>): string[] {
  const lines: string[] = [];
  for (const [name, k] of Object.entries(kinds)) {
    const e = k.enrolment;
    if (!e) continue;
    const p = e.perEnrolment;
    const wake = e.perWake ? `; a wake ${(e.perWake.bytesUp + e.perWake.bytesDown).toFixed(1)} B, ${e.perWake.radioOnMs.toFixed(2)} radio ms, ${e.perWake.chargeUah.toFixed(3)} µAh: an enrolment costs ${e.enrolmentInWakes} wakes` : '';
    lines.push(`${name}: EDHOC ${e.enrolments} enrolments (${e.failures} failed), each ${p.roundTrips} round trips, ${p.bytesUp} B up, ${p.bytesDown} B down, ${p.radioOnMs.toFixed(2)} radio ms, ${p.chargeUah.toFixed(3)} µAh${wake}`);
  }
  return lines;
}
