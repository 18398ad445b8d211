/**
 * The Rules page's pure parts under Node (no DOM): form values to a trigger and back for every
 * trigger type, with empty fields left out, and the one-line description the list shows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface RulesView {
  TRIGGER_FIELDS: Record<string, Array<[string, string, string]>>;
  triggerFromFields(type: string, values: Record<string, unknown>): Record<string, unknown>;
  fieldsFromTrigger(t: Record<string, unknown>): Record<string, unknown>;
  describeTrigger(t: Record<string, unknown>): string;
}

// Plain browser JavaScript, not part of the TypeScript program: imported by URL.
const view = await import(new URL('../../../gateway/ui/static/rules-view.js', import.meta.url).href) as RulesView;

const TRIGGERS: Array<Record<string, unknown>> = [
  { type: 'threshold', thingId: 'urn:a', property: 'temp', above: 30, hysteresis: 1.5 },
  { type: 'threshold', property: 'temp', below: -5 },
  { type: 'battery', below: 20 },
  { type: 'battery', thingId: 'urn:a', property: 'soc', below: 10, hysteresis: 2 },
  { type: 'event', thingId: 'urn:a', event: 'button' },
  { type: 'offline', thingId: 'urn:a', missedWakes: 3, backOnline: true },
  { type: 'offline', afterMs: 60000, backOnline: false },
  { type: 'schedule', everyMs: 5000 },
  { type: 'schedule', dailyAt: '06:30' },
];

describe('rules-view.js', () => {
  it('a trigger shown in the form reads back as the same trigger, for every type', () => {
    for (const t of TRIGGERS) {
      const values = Object.fromEntries(Object.entries(view.fieldsFromTrigger(t)).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
      assert.deepEqual(view.triggerFromFields(t['type'] as string, values), t, JSON.stringify(t));
    }
    assert.deepEqual(Object.keys(view.TRIGGER_FIELDS).sort(), ['battery', 'event', 'offline', 'schedule', 'threshold']);
  });

  it('empty fields are left out; a threshold level goes to above or below', () => {
    assert.deepEqual(view.triggerFromFields('threshold', { thingId: '', property: 'hum', direction: 'below', level: '40', hysteresis: '' }), { type: 'threshold', property: 'hum', below: 40 });
    assert.deepEqual(view.triggerFromFields('schedule', { everyMs: '', dailyAt: '07:00' }), { type: 'schedule', dailyAt: '07:00' });
  });

  it('describes each trigger in one line', () => {
    assert.deepEqual(TRIGGERS.map((t) => view.describeTrigger(t)), [
      'temp of urn:a above 30 (±1.5)', 'temp of every thing below -5', 'battery of every thing below 20%', 'soc of urn:a below 10%',
      'event button of urn:a', 'urn:a offline after 3 missed wakes', 'every thing offline after 60 s', 'every 5 s', 'daily at 06:30 UTC',
    ]);
  });
});
