import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, PreconditionFailedError } from '../../../../protocols/errors.js';
import {
  bootState, entryFileName, parseEntry, parseEntryName, planInstall, planMarkGood, planRollback, renderEntry,
  type EspOp, type Slot,
} from '../../../../image/src/slots/boot-entries.js';

type Entries = Map<string, string>; // file name -> text

/**
 * A model of what systemd-boot does at power-on with our entries (AUTOMATIC_BOOT_ASSESSMENT and
 * boot_entry_compare in systemd 252): entries with no tries left sort last, the rest by version
 * descending; the first one boots, and if it has a counter it is renamed +(left-1)-(done+1) first.
 */
function powerOn(entries: Entries): Slot {
  const list = [...entries.entries()].map(([fileName, text]) => ({ fileName, text, n: parseEntryName(fileName)! }));
  list.sort((x, y) => {
    const bad = Number(x.n.triesLeft === 0) - Number(y.n.triesLeft === 0);
    if (bad) return bad;
    return parseEntry(y.n.slot, y.text).priority - parseEntry(x.n.slot, x.text).priority;
  });
  const chosen = list[0]!;
  if (chosen.n.triesLeft !== null && chosen.n.triesLeft > 0) {
    entries.delete(chosen.fileName);
    entries.set(entryFileName(chosen.n.slot, chosen.n.triesLeft - 1, (chosen.n.triesDone ?? 0) + 1), chosen.text);
  }
  return chosen.n.slot;
}

function apply(entries: Entries, ops: EspOp[]): void {
  for (const o of ops) {
    const name = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
    if (o.op === 'remove') entries.delete(name(o.path));
    else if (o.op === 'write') entries.set(name(o.path), o.text);
    else {
      const text = entries.get(name(o.from))!;
      entries.delete(name(o.from));
      entries.set(name(o.to), text);
    }
  }
}

const state = (booted: Slot, entries: Entries) => bootState(booted, [...entries].map(([fileName, text]) => ({ fileName, text })));

function freshDevice(): Entries {
  return new Map([[entryFileName('a'), renderEntry({ slot: 'a', priority: 1, release: '1.0 (aaa)', cmdline: 'console=ttyS0' })]]);
}

test('entry names: slot, tries left and done', () => {
  assert.deepEqual(parseEntryName('roost-a.conf'), { slot: 'a', triesLeft: null, triesDone: null });
  assert.deepEqual(parseEntryName('roost-b+1.conf'), { slot: 'b', triesLeft: 1, triesDone: 0 });
  assert.deepEqual(parseEntryName('roost-b+0-1.conf'), { slot: 'b', triesLeft: 0, triesDone: 1 });
  for (const bad of ['roost-c.conf', 'roost-a+x.conf', 'other.conf', 'roost-a.conf.tmp']) assert.equal(parseEntryName(bad), null, bad);
  assert.equal(entryFileName('b', 0, 1), 'roost-b+0-1.conf');
  assert.equal(entryFileName('a', 3), 'roost-a+3.conf');
});

test('an entry renders the slot root, read-only squashfs, and reads back', () => {
  const text = renderEntry({ slot: 'b', priority: 7, release: '0.2.0 (abc)', cmdline: 'console=ttyS0,115200' });
  assert.match(text, /^options root=\/dev\/disk\/by-partlabel\/roost-root-b rootfstype=squashfs ro roost\.slot=b panic=10 systemd\.gpt_auto=0 console=ttyS0,115200$/m);
  assert.match(text, /^linux \/roost\/b\/vmlinuz$/m);
  assert.match(text, /^sort-key roost$/m);
  assert.deepEqual(parseEntry('b', text), { slot: 'b', priority: 7, release: '0.2.0 (abc)', cmdline: 'console=ttyS0,115200' });
});

test('update, healthy trial boot, marked good: the new slot stays', () => {
  const esp = freshDevice();
  assert.equal(powerOn(esp), 'a');
  const plan = planInstall(state('a', esp), '2.0 (bbb)', 'console=ttyS0');
  assert.equal(plan.target, 'b');
  apply(esp, plan.before);
  apply(esp, plan.after);
  assert.deepEqual([...esp.keys()].sort(), ['roost-a.conf', 'roost-b+1.conf']);
  assert.equal(state('a', esp).slots.b.status, 'pending-trial');
  assert.equal(state('a', esp).next, 'b');

  assert.equal(powerOn(esp), 'b');
  assert.equal(state('b', esp).slots.b.status, 'in-trial');
  apply(esp, planMarkGood(state('b', esp)));
  assert.deepEqual([...esp.keys()].sort(), ['roost-a.conf', 'roost-b.conf']);
  assert.equal(powerOn(esp), 'b');
  assert.equal(powerOn(esp), 'b');
  assert.deepEqual(planMarkGood(state('b', esp)), []);
});

test('a trial boot that never gets marked good falls back to the old slot', () => {
  const esp = freshDevice();
  const plan = planInstall(state('a', esp), '2.0 (bbb)', '');
  apply(esp, [...plan.before, ...plan.after]);
  assert.equal(powerOn(esp), 'b'); // trial boot; the gateway never gets healthy, the box reboots
  assert.equal(powerOn(esp), 'a');
  const s = state('a', esp);
  assert.equal(s.slots.b.status, 'failed');
  assert.equal(s.next, 'a');
  assert.equal(powerOn(esp), 'a');
  // The next update overwrites the failed slot.
  const again = planInstall(s, '2.1 (ccc)', '');
  assert.deepEqual(again.before, [{ op: 'remove', path: '/loader/entries/roost-b+0-1.conf' }]);
  apply(esp, [...again.before, ...again.after]);
  assert.equal(powerOn(esp), 'b');
});

test('no install while the running slot is itself on trial', () => {
  const esp = freshDevice();
  apply(esp, planInstall(state('a', esp), '2.0', '').after);
  powerOn(esp);
  assert.throws(() => planInstall(state('b', esp), '3.0', ''), ConflictError);
});

test('rollback makes the other good slot preferred; a failed or empty slot is refused', () => {
  const esp = freshDevice();
  assert.throws(() => planRollback(state('a', esp)), PreconditionFailedError);
  apply(esp, planInstall(state('a', esp), '2.0', '').after);
  powerOn(esp);
  apply(esp, planMarkGood(state('b', esp)));
  const r = planRollback(state('b', esp));
  assert.equal(r.target, 'a');
  apply(esp, r.ops);
  assert.equal(powerOn(esp), 'a');
  assert.equal(state('a', esp).next, 'a');
  assert.equal(parseEntry('a', esp.get('roost-a.conf')!).release, '1.0 (aaa)');
  // Three updates later priorities keep growing: the newest install always boots first.
  for (const v of ['3', '4', '5']) {
    const s = state(powerOn(esp), esp);
    apply(esp, planMarkGood(s));
    const p = planInstall(state(s.booted, esp), v, '');
    apply(esp, [...p.before, ...p.after]);
    assert.equal(powerOn(esp), p.target);
    apply(esp, planMarkGood(state(p.target, esp)));
  }
});
