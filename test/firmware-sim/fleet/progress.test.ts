import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProgressSnapshot } from '../../../firmware-sim/fleet/fleet-runner.js';
import { progressLine, terminalProgress } from '../../../firmware-sim/fleet/progress.js';

const snap = (wallMs: number, datagrams: number, simMs: number): ProgressSnapshot => ({
  simMs, durationMs: 600000, devicesOnline: 17, devices: 18, wakes: 0, datagrams, actionsSent: 12, actionsDelivered: 11, errors: 0, wallMs,
});

describe('live progress', () => {
  it('shows time, devices online, message rate, actions and errors', () => {
    assert.equal(progressLine(snap(2000, 100, 184000), snap(1000, 59, 183000)),
      't=184s (30%)  devices online 17/18  41 msg/s  actions 1 queued 11 delivered  errors 0');
  });

  it('rewrites one line on a terminal and writes lines otherwise', () => {
    let tty = '';
    const t = terminalProgress({ isTTY: true, write: (s: string) => (tty += s) });
    t.update(snap(1000, 10, 1000));
    t.update(snap(2000, 20, 2000));
    t.done();
    assert.equal(tty.split('\r\x1b[2K').length, 3);
    assert.ok(tty.endsWith('\n'));
    let log = '';
    const l = terminalProgress({ write: (s: string) => (log += s) });
    l.update(snap(1000, 10, 1000));
    l.update(snap(2000, 20, 2000));
    l.done();
    assert.equal(log.split('\n').length, 3);
    assert.ok(!log.includes('\r'));
  });
});
