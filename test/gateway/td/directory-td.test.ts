import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directoryTd } from '../../../gateway/td/directory-td.js';
import { assertValidTd } from '../../../gateway/td/td-validator.js';

test('the directory\'s own TD is a valid TD 1.1 of a Thing Description Directory on the given base', () => {
  const td = directoryTd('https://roost-3fa9c1.local:8443');
  assertValidTd(td, 'directory TD');
  assert.equal(td['@type'], 'discovery:ThingDirectory');
  assert.equal(td['base'], 'https://roost-3fa9c1.local:8443');
  assert.deepEqual((td['securityDefinitions'] as { bearer_sc: { authorization: string } }).bearer_sc.authorization, 'https://roost-3fa9c1.local:8443/auth/token');
  const actions = Object.keys(td['actions'] as object).sort();
  assert.deepEqual(actions, ['createThing', 'deleteThing', 'partiallyUpdateThing', 'retrieveThing', 'updateThing']);
});
