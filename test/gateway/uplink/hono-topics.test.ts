/**
 * Hono's MQTT adapter topic grammar for a gateway (gateway/uplink/hono-topics.ts), against the
 * examples of Hono's MQTT Adapter user guide: "Receiving Commands (authenticated Gateway)",
 * "Sending a Response to a Command (authenticated Gateway)", the gateway's telemetry and event
 * topics, the property bag of "Adding Meta Data", and the ttd empty notification.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HONO_COMMAND_FILTER, honoEventTopic, honoResponseTopic, honoTelemetryTopic, honoTtdTopic, parseHonoCommand,
} from '../../../gateway/uplink/hono-topics.js';

describe('Hono topics', () => {
  it('parses request-response and one-way commands, long and shorthand, with or without a tenant', () => {
    assert.deepEqual(parseHonoCommand('command//4711/req/1010f8ab0b53-bd96-4d99-9d9c-56b868474a6a/setBrightness'),
      { thingId: '4711', reqId: '1010f8ab0b53-bd96-4d99-9d9c-56b868474a6a', name: 'setBrightness' });
    assert.deepEqual(parseHonoCommand('c//4711/q//setBrightness'), { thingId: '4711', reqId: null, name: 'setBrightness' });
    assert.deepEqual(parseHonoCommand('c/DEFAULT_TENANT/4711/q/abc/setBrightness'), { thingId: '4711', reqId: 'abc', name: 'setBrightness' });
    assert.deepEqual(parseHonoCommand('command//urn:roost:coap:lamp-1/req/r1/set:brightness'), { thingId: 'urn:roost:coap:lamp-1', reqId: 'r1', name: 'set:brightness' });
    assert.deepEqual(parseHonoCommand('command//urn%2Fodd/req//blink'), { thingId: 'urn/odd', reqId: null, name: 'blink' });
  });

  it('refuses what is not a command for a device', () => {
    for (const t of ['command///req/r1/blink', 'command//4711/res/r1/200', 'telemetry//4711', 'command//4711/req/r1', 'command//4711/req/r1/', 'x//4711/req/r1/blink']) {
      assert.equal(parseHonoCommand(t), null, t);
    }
  });

  it('names the gateway topics with the device id and a URL-encoded property bag', () => {
    assert.equal(HONO_COMMAND_FILTER, 'command//+/req/#');
    assert.equal(honoTelemetryTopic('urn:roost:coap:t1'), 'telemetry//urn:roost:coap:t1/?content-type=application%2Fjson');
    assert.equal(honoEventTopic('urn:roost:coap:t1'), 'event//urn:roost:coap:t1/?content-type=application%2Fjson');
    assert.equal(honoTtdTopic('urn:roost:coap:t1', 30), 'event//urn:roost:coap:t1/?content-type=application%2Fvnd.eclipse-hono-empty-notification&ttd=30');
    assert.equal(honoTtdTopic('4711', -1), 'event//4711/?content-type=application%2Fvnd.eclipse-hono-empty-notification&ttd=-1');
    assert.equal(honoResponseTopic('4711', '1010f8ab0b53-bd96-4d99-9d9c-56b868474a6a', 200, false), 'command//4711/res/1010f8ab0b53-bd96-4d99-9d9c-56b868474a6a/200');
    assert.equal(honoResponseTopic('4711', 'r1', 200, true), 'command//4711/res/r1/200/?content-type=application%2Fjson');
    // A thing id with a level separator or a wildcard stays one level.
    assert.equal(honoTelemetryTopic('a/b+c#?'), 'telemetry//a%2Fb%2Bc%23%3F/?content-type=application%2Fjson');
  });
});
