/**
 * MQTT topic filters against the cases of MQTT 3.1.1 §4.7.1-§4.7.2.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topicMatches } from '../../../gateway/mqtt/topic-filter.js';

const CASES: Array<[filter: string, topic: string, matches: boolean]> = [
  ['sport/tennis/player1', 'sport/tennis/player1', true],
  ['sport/tennis/player1', 'sport/tennis/player2', false],
  ['sport/tennis/player1', 'sport/tennis', false],
  ['sport/tennis', 'sport/tennis/player1', false],
  ['sport/tennis/player1/#', 'sport/tennis/player1', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
  ['sport/#', 'sport', true],
  ['#', 'sport/tennis/player1', true],
  ['#', '/', true],
  ['sport/tennis/+', 'sport/tennis/player1', true],
  ['sport/tennis/+', 'sport/tennis/player1/tournament', false],
  ['sport/+', 'sport', false],
  ['sport/+', 'sport/', true],
  ['+/+', '/finance', true],
  ['/+', '/finance', true],
  ['+', '/finance', false],
  ['+/tennis/#', 'sport/tennis/player1', true],
  ['things/+/td', 'things/urn:roost:coap:s-1/td', true],
  ['things/+/td', 'things/urn:roost:coap:s-1/tdx', false],
  ['things/+/td', 'things/urn:roost:coap:s-1/t', false],
  ['things/+/td', 'things//td', true],
  ['#', '$SYS/broker', false],
  ['+/broker', '$SYS/broker', false],
  ['$SYS/#', '$SYS/broker', true],
  ['$SYS/+', '$SYS/broker', true],
  ['a/b', 'a/bc', false],
  ['a/bc', 'a/b', false],
];

describe('topic filters', () => {
  for (const [filter, topic, matches] of CASES) {
    it(`${filter} ${matches ? 'matches' : 'does not match'} ${topic}`, () => {
      assert.equal(topicMatches(filter, topic), matches);
    });
  }
});
