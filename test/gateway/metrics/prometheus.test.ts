import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricName, renderPrometheus } from '../../../gateway/metrics/prometheus.js';

describe('Prometheus text format', () => {
  it('groups samples under one HELP and TYPE, escapes labels and help', () => {
    const text = renderPrometheus([
      { name: 'roost_binding_state', help: 'state', type: 'gauge', value: 1, labels: { binding: 'coap', state: 'running' } },
      { name: 'roost_x_total', help: 'line\none \\ two', type: 'counter', value: 3 },
      { name: 'roost_binding_state', help: 'state', type: 'gauge', value: 0, labels: { binding: 'a"b\\c\nd', state: 'error' } },
    ]);
    assert.equal(text, [
      '# HELP roost_binding_state state',
      '# TYPE roost_binding_state gauge',
      'roost_binding_state{binding="coap",state="running"} 1',
      'roost_binding_state{binding="a\\"b\\\\c\\nd",state="error"} 0',
      '# HELP roost_x_total line\\none \\\\ two',
      '# TYPE roost_x_total counter',
      'roost_x_total 3',
      '',
    ].join('\n'));
  });

  it('sanitises names and writes special values the way Prometheus reads them', () => {
    assert.equal(metricName('roost_binding_ble-2_rx.frames_total'), 'roost_binding_ble_2_rx_frames_total');
    assert.equal(metricName('9lives'), '_9lives');
    const text = renderPrometheus([
      { name: 'a', help: 'h', type: 'gauge', value: Infinity },
      { name: 'b', help: 'h', type: 'gauge', value: Number.NaN },
      { name: 'c', help: 'h', type: 'gauge', value: -Infinity },
    ]);
    assert.match(text, /^a \+Inf$/m);
    assert.match(text, /^b NaN$/m);
    assert.match(text, /^c -Inf$/m);
  });
});
