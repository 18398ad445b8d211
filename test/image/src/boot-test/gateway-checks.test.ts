import assert from 'node:assert/strict';
import { test } from 'node:test';
import { thingIdsOf } from '../../../../image/src/boot-test/gateway-checks.js';

test('thing ids from a directory listing: a plain array of TDs or an object holding one', () => {
  assert.deepEqual(thingIdsOf([{ id: 'urn:a' }, { id: 'urn:b' }]), ['urn:a', 'urn:b']);
  assert.deepEqual(thingIdsOf({ total: 1, things: [{ id: 'urn:roost:system:gateway' }] }), ['urn:roost:system:gateway']);
  assert.deepEqual(thingIdsOf({ total: 0 }), []);
});
