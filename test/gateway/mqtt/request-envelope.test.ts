import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoostError } from '../../../protocols/errors.js';
import { parseRequest } from '../../../gateway/mqtt/request-envelope.js';

const b = (s: string) => Buffer.from(s);

describe('MQTT request payloads', () => {
  it('reads an envelope with a response topic', () => {
    assert.deepEqual(parseRequest(b('{"input":{"times":2},"responseTopic":"replies/a/1","correlationData":"42"}'), 'action'),
      { value: { times: 2 }, responseTopic: 'replies/a/1', correlationData: '42' });
    assert.deepEqual(parseRequest(b('{"responseTopic":"r/1"}'), 'action'), { responseTopic: 'r/1' });
    assert.deepEqual(parseRequest(b('{"value":null,"responseTopic":"r/1","correlationData":[1]}'), 'write'), { value: null, responseTopic: 'r/1', correlationData: [1] });
  });

  it('takes anything else as the plain input or value (node-wot), with no reply', () => {
    assert.deepEqual(parseRequest(b('{"times":3}'), 'action'), { value: { times: 3 } });
    assert.deepEqual(parseRequest(b('40'), 'write'), { value: 40 });
    assert.deepEqual(parseRequest(b('{"input":1,"responseTopic":"r","extra":true}'), 'action'), { value: { input: 1, responseTopic: 'r', extra: true } });
    assert.deepEqual(parseRequest(b('{"responseTopic":7}'), 'action'), { value: { responseTopic: 7 } });
    // An action envelope's key is "input": "value" there is plain input.
    assert.deepEqual(parseRequest(b('{"value":1,"responseTopic":"r"}'), 'action'), { value: { value: 1, responseTopic: 'r' } });
    assert.deepEqual(parseRequest(b(''), 'action'), {});
  });

  it('refuses what is not JSON, and a write without a value, as BAD_REQUEST', () => {
    for (const [payload, kind] of [['{oops', 'action'], ['', 'write'], ['{"responseTopic":"r"}', 'write']] as const) {
      const r = parseRequest(b(payload), kind);
      assert.ok(r instanceof RoostError, payload);
      assert.equal(r.code, 'ROOST_ERR_BAD_REQUEST');
    }
  });
});
