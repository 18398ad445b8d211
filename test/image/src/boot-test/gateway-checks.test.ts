import assert from 'node:assert/strict';
import { test } from 'node:test';
import { thingIdsOf } from '../../../../image/src/boot-test/gateway-checks.js';

test('thing ids from a directory listing, which must be an array of TDs', () => {
  assert.deepEqual(thingIdsOf([{ id: 'urn:a' }, { id: 'urn:b' }]), ['urn:a', 'urn:b']);
  assert.deepEqual(thingIdsOf([]), []);
  assert.throws(() => thingIdsOf({ things: [{ id: 'urn:roost:system:gateway' }] }), /expected an array of TDs/);
});
