import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newCounters } from '../../../gateway/mqtt/mqtt-metrics.js';
import { uplinkMetrics } from '../../../gateway/uplink/uplink-metrics.js';

describe('uplink metrics', () => {
  it('derive each sample from the uplink state; ACL denials of requests count as denied, not refused', () => {
    const requests = { ...newCounters(), requestsAccepted: 5, requestsFailed: 3, aclDeniedPublish: 1, repliesDropped: 2 };
    const samples = uplinkMetrics({
      connected: true, backlog: { messages: 7, bytes: 616, oldestTs: 1_000 }, dropped: { age: 1, bytes: 2 }, sent: { live: 10, replay: 4 },
      counters: { connects: 2, connectFailures: 1, downstreamAccepted: 0, downstreamDenied: 3, downstreamMalformed: 1, controlSent: 0 },
      requests, now: 11_000,
    });
    const by = (name: string, label?: [string, string]): number | undefined =>
      samples.find((s) => s.name === name && (!label || s.labels?.[label[0]] === label[1]))?.value;
    assert.equal(by('roost_uplink_connected'), 1);
    assert.equal(by('roost_uplink_backlog_age_seconds'), 10);
    assert.equal(by('roost_uplink_published_total', ['stream', 'replay']), 4);
    assert.equal(by('roost_uplink_dropped_total', ['reason', 'bytes']), 2);
    assert.equal(by('roost_uplink_downstream_total', ['result', 'refused']), 2);
    assert.equal(by('roost_uplink_downstream_total', ['result', 'denied']), 4);
    assert.equal(by('roost_uplink_replies_dropped_total'), 2);
    assert.equal(uplinkMetrics({ connected: false, backlog: { messages: 0, bytes: 0, oldestTs: null }, dropped: { age: 0, bytes: 0 }, sent: { live: 0, replay: 0 }, counters: { connects: 0, connectFailures: 0, downstreamAccepted: 0, downstreamDenied: 0, downstreamMalformed: 0, controlSent: 0 }, requests: newCounters(), now: 5 })
      .find((s) => s.name === 'roost_uplink_backlog_age_seconds')?.value, 0);
  });
});
