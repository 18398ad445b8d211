/**
 * The directory keeps a binding's consumer TD out of memory (issue 20) but serves the same one:
 * derived from the native TD and the hub's endpoints when read, seen by spreads and JSON, written
 * to the store again when the endpoints change, and kept as given for client TDs.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { Directory } from '../../../gateway/hub/directory.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { ThingStore } from '../../../gateway/store/thing-store.js';
import { deriveConsumerTd } from '../../../gateway/td/consumer-td.js';
import { nativeTd } from '../../../bindings/coap/native-td.js';
import { tempDir } from '../../helpers/gateway.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function open(dataDir = tempDir('roost-directory-')): { store: ThingStore; dataDir: string } {
  dirs.push(dataDir);
  return { store: new ThingStore(openDatabase({ dataDir, synchronous: 'normal' })), dataDir };
}

const E1 = { httpBase: 'http://gw:8080', mqttBase: 'mqtt://gw:1883' };
const E2 = { httpBase: 'http://gw:9090' };
const td = (ep: string) => nativeTd(ep, '10.0.0.7', 5683, [
  { name: 'temp', kind: 'property', path: 'temp', observable: true, unit: 'Cel' },
  { name: 'blink', kind: 'action', path: 'blink', observable: false, type: 'integer' },
]);

describe('directory', () => {
  it('serves the consumer TD derived from the native TD, in records, spreads and JSON', () => {
    const { store } = open();
    const d = new Directory(store, E1, () => 1000, () => undefined);
    const t = d.register('coap', { deviceId: 's1', nativeTd: td('s1'), sleepy: true });
    const expected = deriveConsumerTd(t.nativeTd, t.id, E1);
    assert.deepEqual(t.consumerTd, expected);
    const rec = d.record(t.id);
    assert.deepEqual(Object.keys(rec), ['id', 'binding', 'deviceId', 'nativeTd', 'consumerTd', 'sleepy', 'createdAt', 'updatedAt', 'removedAt', 'online']);
    assert.deepEqual({ ...rec }.consumerTd, expected);
    assert.deepEqual((JSON.parse(JSON.stringify(rec)) as { consumerTd: unknown }).consumerTd, JSON.parse(JSON.stringify(expected)));
    assert.deepEqual(store.get(t.id)?.consumerTd, JSON.parse(JSON.stringify(expected)));
  });

  it('follows the endpoints and stores the consumer TD again when they change', () => {
    const { store } = open();
    const d = new Directory(store, E1, () => 1000, () => undefined);
    const t = d.register('coap', { deviceId: 's1', nativeTd: td('s1'), sleepy: true });
    d.setEndpoints(E2);
    const expected = deriveConsumerTd(t.nativeTd, t.id, E2);
    assert.deepEqual(d.require(t.id).consumerTd, expected);
    assert.deepEqual(d.record(t.id).consumerTd, expected);
    assert.deepEqual(store.get(t.id)?.consumerTd, JSON.parse(JSON.stringify(expected)));
  });

  it('serves a restored thing its stored consumer TD until the endpoints are known, then derives it', () => {
    const { store, dataDir } = open();
    const first = new Directory(store, E1, () => 1000, () => undefined);
    const id = first.register('coap', { deviceId: 's1', nativeTd: td('s1'), sleepy: true }).id;
    const again = new Directory(new ThingStore(openDatabase({ dataDir, synchronous: 'normal' })), E2, () => 2000, () => undefined);
    assert.equal((again.require(id).consumerTd['properties'] as { temp: { forms: Array<{ href: string }> } }).temp.forms[0]?.href.startsWith('http://gw:8080/'), true);
    again.setEndpoints(E2);
    assert.deepEqual(again.require(id).consumerTd, deriveConsumerTd(again.require(id).nativeTd, id, E2));
  });

  it('keeps a client TD as it was given', () => {
    const { store } = open();
    const d = new Directory(store, E1, () => 1000, () => undefined);
    const given = { '@context': 'https://www.w3.org/2022/wot/td/v1.1', title: 'Lamp', securityDefinitions: { n: { scheme: 'nosec' } }, security: 'n' };
    const { thing } = d.put('urn:example:lamp', given);
    assert.equal(thing.consumerTd, thing.nativeTd);
    assert.equal(d.record('urn:example:lamp').consumerTd, thing.nativeTd);
    d.setEndpoints(E2);
    assert.equal(d.require('urn:example:lamp').consumerTd, thing.nativeTd);
  });
});
