import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionTopic, escapeLevel, eventTopic, filterWithin, parseThingTopic, propertySetTopic, propertyTopic, tdTopic, unescapeLevel, validTopicName } from '../../../gateway/mqtt/topics.js';

describe('MQTT topics', () => {
  it('keeps URN ids readable and escapes separators, wildcards and %', () => {
    assert.equal(escapeLevel('urn:roost:coap:t1'), 'urn:roost:coap:t1');
    assert.equal(escapeLevel('a/b+c#d%e f'), 'a%2Fb%2Bc%23d%25e%20f');
    assert.equal(escapeLevel('ü'), '%C3%BC');
    for (const s of ['urn:roost:coap:t1', 'a/b+c#d%e f', "it's (x)*!", 'ü€', 'https://x.example/t?a=1']) {
      assert.equal(unescapeLevel(escapeLevel(s)), s);
      assert.doesNotMatch(escapeLevel(s), /[/+#\s]/);
      // The topic equals its form as a URL path: new URL() leaves it as it is.
      assert.equal(new URL(`mqtt://h:1/${escapeLevel(s)}`).pathname.slice(1), escapeLevel(s));
    }
  });

  it('escapes exactly the characters outside the kept set, whether a level has any or not', () => {
    // Every printable ASCII character alone, and in a level otherwise kept: the whole-level test
    // (a level with nothing to escape comes back as it is) must agree with the per-character one.
    for (let c = 0x20; c < 0x7f; c++) {
      const ch = String.fromCharCode(c);
      const kept = /[A-Za-z0-9\-._~!$&'()*,;=:@]/.test(ch);
      assert.equal(escapeLevel(ch), kept ? ch : encodeURIComponent(ch), `character ${JSON.stringify(ch)}`);
      assert.equal(escapeLevel(`urn:x:${ch}:y`), `urn:x:${kept ? ch : encodeURIComponent(ch)}:y`);
    }
    assert.equal(escapeLevel(''), '');
    assert.equal(escapeLevel('a\nb'), 'a%0Ab', 'no line end passes as kept');
  });

  it('names the five topics of a thing and parses them back', () => {
    const id = 'urn:roost:testdev:lamp';
    assert.equal(tdTopic(id), 'things/urn:roost:testdev:lamp/td');
    assert.equal(eventTopic(id, 'button'), 'things/urn:roost:testdev:lamp/event/button');
    assert.equal(propertyTopic(id, 'on/off'), 'things/urn:roost:testdev:lamp/property/on%2Foff');
    assert.equal(propertySetTopic(id, 'level'), 'things/urn:roost:testdev:lamp/property/level/set');
    assert.equal(actionTopic(id, 'blink'), 'things/urn:roost:testdev:lamp/action/blink');
    assert.deepEqual(parseThingTopic(tdTopic(id)), { kind: 'td', thingId: id });
    assert.deepEqual(parseThingTopic(eventTopic(id, 'b')), { kind: 'event', thingId: id, name: 'b' });
    assert.deepEqual(parseThingTopic(propertyTopic(id, 'on/off')), { kind: 'property', thingId: id, name: 'on/off' });
    assert.deepEqual(parseThingTopic(propertySetTopic(id, 'level')), { kind: 'property-set', thingId: id, name: 'level' });
    assert.deepEqual(parseThingTopic(actionTopic('a/b', 'x')), { kind: 'action', thingId: 'a/b', name: 'x' });
  });

  it('parses nothing else', () => {
    for (const t of ['things', 'things/x', 'things/x/td/more', 'things/x/action', 'things/x/action/a/b', 'things/x/event/e/set',
      'things/x/property/p/get', 'things//td', 'things/x/action/', 'things/%E0%A4%A/td', 'other/x/td', 'things/x/status/y']) {
      assert.equal(parseThingTopic(t), null, t);
    }
  });

  it('tells whether a filter stays under a prefix', () => {
    assert.equal(filterWithin('things/#', ['things']), true);
    assert.equal(filterWithin('things', ['things']), true);
    assert.equal(filterWithin('#', ['things']), false);
    assert.equal(filterWithin('+/x/td', ['things']), false);
    assert.equal(filterWithin('replies/bob/#', ['replies', 'bob']), true);
    assert.equal(filterWithin('replies/+/#', ['replies', 'bob']), false);
    assert.equal(filterWithin('replies/#', ['replies', 'bob']), false);
    assert.equal(filterWithin('thingsX/a', ['things']), false);
    assert.equal(filterWithin('replies/bobby/x', ['replies', 'bob']), false);
    assert.equal(filterWithin('replies/bob', ['replies', 'bob']), true);
    assert.equal(filterWithin('replies', ['replies', 'bob']), false);
    assert.equal(filterWithin('', ['things']), false);
    assert.equal(filterWithin('things/', ['things']), true);
  });

  it('accepts only plain topic names', () => {
    assert.equal(validTopicName('replies/a/1'), true);
    for (const t of ['', 'a/+', 'a/#', 'a\u0000b']) assert.equal(validTopicName(t), false);
  });
});

describe('thingIdOf', () => {
  it('reads the id of things/{id}/{leaf} written the one way thingTopic writes it', async () => {
    const { thingIdOf, tdTopic } = await import('../../../gateway/mqtt/topics.js');
    for (const id of ['urn:roost:coap:s-1', 'urn:roost:x:a b/c#', 'é+%']) assert.equal(thingIdOf(tdTopic(id), 'td'), id, id);
    for (const t of ['things/a/b/td', 'things/td', 'other/a/td', 'things/%zz/td', 'things/a%3Ab/td', 'things/a/tdx', 'things//td']) {
      assert.equal(thingIdOf(t, 'td'), t === 'things//td' ? '' : undefined, t);
    }
    assert.equal(thingIdOf('things/a/availability', 'availability'), 'a');
  });
});
