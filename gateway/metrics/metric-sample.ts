/**
 * One Prometheus sample. Every part of the gateway that has something to count (hub, bindings,
 * MQTT broker) hands its samples to /metrics as a list of these; the renderer groups them by
 * name into the text exposition format.
 */
export interface MetricSample {
  /** Prometheus metric name, `roost_` prefixed, `_total` suffix for counters. */
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  value: number;
  labels?: Readonly<Record<string, string>>;
}

/** A source asked at every scrape. */
export type MetricSource = () => readonly MetricSample[];
