/**
 * kill -9 under load (issue 13 item 5, docs/durability.md): a few seeded rounds of the harness,
 * then one assertion per promise of the device contract. The seed is in every failure message;
 * run the same seed again with ROOST_KILL9_SEED, more rounds with ROOST_KILL9_ROUNDS, or the
 * 20-round soak with `node --import tsx bench/durability/soak.ts`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runKill9, summary, TEST_OPTIONS, type HarnessReport } from './kill9-harness.js';
import { sample } from './verify.js';

const seed = process.env['ROOST_KILL9_SEED'] ?? String(Date.now() % 100000);
const rounds = Number(process.env['ROOST_KILL9_ROUNDS'] ?? 3);

describe(`kill -9 under mixed load (seed ${seed}, ${rounds} rounds)`, { timeout: 110000 }, () => {
  let report: HarnessReport;
  const why = (what: string): string => `${what} (seed ${seed}: ROOST_KILL9_SEED=${seed} reruns it)\n${summary(report)}`;

  before(async () => {
    report = await runKill9({ ...TEST_OPTIONS, seed, rounds, ...(process.env['ROOST_KILL9_LOG'] ? { log: (l: string) => process.stderr.write(`${l}\n`) } : {}) });
  }, { timeout: 110000 });

  it('the load really ran: readings acknowledged, items queued and executed, every round restarted', (t) => {
    for (const line of summary(report).split('\n')) t.diagnostic(line);
    const f = report.figures;
    assert.equal(f.killToReadyMs.length, rounds, why('restarts'));
    assert.ok(f.coapReadingsAcked > 50, why(`only ${f.coapReadingsAcked} CoAP readings acknowledged`));
    assert.ok(f.serialReadingsAcked > 10, why(`only ${f.serialReadingsAcked} serial readings acknowledged`));
    assert.ok(f.commands.acked > 10, why(`only ${f.commands.acked} items queued`));
    assert.ok(f.executed > 0, why('no item executed'));
  });

  it('every acknowledged reading is in history', () => {
    assert.equal(report.findings.readingsLost.length, 0, why(`${report.findings.readingsLost.length} acknowledged readings missing from history:\n  ${sample(report.findings.readingsLost)}`));
  });

  it('registrations survive: no registered device is told 4.04, every thing is still in the directory', () => {
    assert.equal(report.findings.registrationLost.length, 0, why(`${report.findings.registrationLost.length} uplinks of registered devices got 4.04:\n  ${sample(report.findings.registrationLost)}`));
    assert.equal(report.findings.thingsMissing.length, 0, why(`things missing from the directory: ${report.findings.thingsMissing.join(', ')}`));
  });

  it('no queued item is lost: every item the hub acknowledged ran at its device (or was superseded by a later write that did)', () => {
    assert.equal(report.findings.itemsLost.length, 0, why(`${report.findings.itemsLost.length} queued items lost:\n  ${sample(report.findings.itemsLost)}`));
  });

  it('no item executes twice at its device', () => {
    assert.equal(report.findings.executedTwice.length, 0, why(`items executed twice:\n  ${sample(report.findings.executedTwice)}`));
  });

  it('per device, items execute in the order they were queued', () => {
    assert.equal(report.findings.outOfOrder.length, 0, why(`items out of order:\n  ${sample(report.findings.outOfOrder)}`));
  });

  it('nothing runs that the hub refused, and the hub\'s final state agrees with the device', () => {
    assert.equal(report.findings.itemsWrong.length, 0, why(`items whose state disagrees:\n  ${sample(report.findings.itemsWrong)}`));
  });

  it('devices get only the answers the protocol describes', () => {
    assert.equal(report.findings.unexpected.length, 0, why(`unexpected answers:\n  ${sample(report.findings.unexpected)}`));
  });
});
