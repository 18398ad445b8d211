/**
 * Live progress of a run on a terminal: one line rewritten in place on a TTY, or one line per
 * update otherwise (logs, CI). Rates are computed between two snapshots.
 */
import type { ProgressSnapshot } from './fleet-runner.js';

export interface ProgressOut {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Runs longer than this (the demo's) show no percentage. */
const OPEN_ENDED_MS = 7 * 86400_000;

/** Formats one progress line from this and the previous snapshot. */
export function progressLine(p: ProgressSnapshot, prev: ProgressSnapshot | null): string {
  const dt = prev ? (p.wallMs - prev.wallMs) / 1000 : p.wallMs / 1000;
  const msgs = prev ? p.datagrams - prev.datagrams : p.datagrams;
  const rate = dt > 0 ? Math.round(msgs / dt) : 0;
  const pct = Math.floor((100 * p.simMs) / p.durationMs);
  const queued = p.actionsSent - p.actionsDelivered;
  const share = p.durationMs > 0 && p.durationMs <= OPEN_ENDED_MS ? ` (${pct}%)` : '';
  return `t=${(p.simMs / 1000).toFixed(0)}s${share}  devices online ${p.devicesOnline}/${p.devices}  ${rate} msg/s  ` +
    `actions ${queued} queued ${p.actionsDelivered} delivered  errors ${p.errors}`;
}

/** A progress sink for FleetRunner's onProgress. */
export function terminalProgress(out: ProgressOut): { update(p: ProgressSnapshot): void; done(): void } {
  let prev: ProgressSnapshot | null = null;
  let shown = false;
  return {
    update(p) {
      const line = progressLine(p, prev);
      prev = p;
      shown = true;
      out.write(out.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    done() {
      if (shown && out.isTTY) out.write('\n');
    },
  };
}
