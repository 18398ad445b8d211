/**
 * docs/rules.md is true: every JSON block on it is a rule that the schema accepts and a gateway
 * stores as written; the doorbell and battery examples, run on devices that match them, do what the
 * page says (an invocation through the queue as rule:<id>, an MQTT notification under the rule's
 * topic), and the limits table names exactly the keys of the `rules` config section with their
 * defaults.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ThingDescription } from '../../../gateway/binding.js';
import { configSchema } from '../../../gateway/config/config-schema.js';
import { checkRule } from '../../../gateway/rules/rule-validator.js';
import type { RuleInput } from '../../../gateway/rules/rule-types.js';
import { TestDeviceBinding, deviceTd } from '../../helpers/fake-device-binding.js';
import { waitFor } from '../agents/agent-rig.js';
import { rulesRig, type RulesRig } from './rules-rig.js';

const DOC = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');
const RULES = [...DOC.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as RuleInput);

/** The simulated CoAP devices the examples name, with the affordances they use. */
function exampleTd(title: string): ThingDescription {
  const td = deviceTd(title);
  const props = td['properties'] as Record<string, unknown>;
  props['temp'] = { type: 'number', readOnly: true, observable: true, forms: [{ href: 'test://temp' }] };
  props['battery'] = { type: 'integer', minimum: 0, maximum: 100, readOnly: true, observable: true, forms: [{ href: 'test://battery' }] };
  props['led'] = { type: 'boolean', observable: true, forms: [{ href: 'test://led' }] };
  return td;
}

describe('docs/rules.md', () => {
  const coap = new TestDeviceBinding('coap', ['room-0', 'room-1', 'lamp-0'].map((deviceId) => ({ deviceId, sleepy: false, td: exampleTd(deviceId) })));
  let rig: RulesRig;
  before(async () => {
    rig = await rulesRig([coap]);
  });
  after(() => rig.close());

  it('every JSON block is a valid rule, and the gateway keeps it as written', () => {
    assert.ok(RULES.length >= 5, `${RULES.length} examples`);
    for (const r of RULES) {
      assert.doesNotThrow(() => checkRule(r), r.id);
      const stored = rig.rules.service.create(r, { username: 'admin', role: 'admin' });
      assert.deepEqual([stored.id, stored.trigger, stored.actions, stored.conditions], [r.id, r.trigger, r.actions, r.conditions ?? []]);
    }
    assert.equal((rig.rules.service.list()).length, RULES.length);
  });

  it('the doorbell invokes blink on the lamp through its queue; a low battery notifies under gateway/notifications/batteries', async () => {
    coap.ctx?.emitEvent('urn:roost:coap:room-0', 'button', 'pressed');
    await waitFor('the blink', () => coap.delivered.some((i) => i.thingId === 'urn:roost:coap:lamp-0' && i.name === 'blink'));
    const blink = coap.delivered.find((i) => i.name === 'blink');
    assert.deepEqual(blink?.input, { times: 3 });
    coap.ctx?.reportProperties('urn:roost:coap:room-1', { battery: 40 });
    coap.ctx?.reportProperties('urn:roost:coap:room-1', { battery: 12 });
    await waitFor('the notification', () => rig.published.some((p) => p.topic === 'gateway/notifications/batteries'));
    const n = rig.published.find((p) => p.topic === 'gateway/notifications/batteries')?.payload as Record<string, unknown>;
    assert.deepEqual([n['ruleId'], n['kind'], n['thingId'], n['value'], n['reason']], ['low-battery', 'below', 'urn:roost:coap:room-1', 12, 'battery of urn:roost:coap:room-1 fell below 15: 12']);
    assert.equal(rig.rules.service.get('doorbell').status.fires, 1);
  });

  it('the limits table lists every key of the rules section with its default', () => {
    const section = configSchema.properties.rules.properties as Record<string, { default: unknown }>;
    const rows = new Map([...DOC.matchAll(/^\| `rules\.(\w+)` \| (\S+) \|/gm)].map((m) => [m[1]!, m[2]!]));
    assert.deepEqual([...rows.keys()].sort(), Object.keys(section).sort());
    for (const [k, v] of rows) assert.equal(v, String(section[k]!.default), k);
  });
});
