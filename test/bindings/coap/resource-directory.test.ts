/**
 * The registration table shares one affordance table between devices that registered the same
 * links (issue 20: a table per device was ~0.5 KiB of heap each) and keeps only address and port
 * of the sender; a table goes when its last registration does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { affordancesOf } from '../../../bindings/coap/native-td.js';
import { RegistrationTable, type Registration } from '../../../bindings/coap/resource-directory.js';
import { parseLinkFormat } from '../../../protocols/link-format/link-format.js';

const SENSOR = '</temp>;rt="roost.p";u="Cel";obs,</interval>;rt="roost.pw";dt="integer"';

function reg(ep: string, links: string, id: string): Registration {
  const affordances = new Map(affordancesOf(parseLinkFormat(links)).map((a) => [a.name, a]));
  const remote = { address: '10.0.0.9', port: 5683, family: 'IPv4', size: 40 };
  return { ep, id, thingId: `urn:roost:coap:${ep}`, remote, sleepy: true, push: false, lifetimeS: 60, expiresAt: 0, savedExpiresAt: 0, affordances, observations: [] };
}

describe('registration table', () => {
  it('shares the affordance table of devices with the same links', () => {
    const t = new RegistrationTable();
    const a = reg('a', SENSOR, '1');
    const b = reg('b', SENSOR, '2');
    const c = reg('c', '</t>;rt="roost.p"', '3');
    t.put(a);
    t.put(b);
    t.put(c);
    assert.equal(t.ep('a')!.affordances, t.ep('b')!.affordances);
    assert.notEqual(t.ep('a')!.affordances, t.ep('c')!.affordances);
    assert.deepEqual([...t.ep('b')!.affordances.keys()], ['temp', 'interval']);
    assert.equal(t.affordanceTables, 2);
    assert.deepEqual(t.ep('a')!.remote, { address: '10.0.0.9', port: 5683 });
  });

  it('drops a table with its last registration, and on a registration again with other links', () => {
    const t = new RegistrationTable();
    t.put(reg('a', SENSOR, '1'));
    t.put(reg('b', SENSOR, '2'));
    t.delete(t.ep('a')!);
    assert.equal(t.affordanceTables, 1);
    t.put(reg('b', '</t>;rt="roost.p"', '3'));
    assert.equal(t.affordanceTables, 1);
    assert.deepEqual([...t.ep('b')!.affordances.keys()], ['t']);
    t.delete(t.ep('b')!);
    assert.equal(t.affordanceTables, 0);
  });
});
