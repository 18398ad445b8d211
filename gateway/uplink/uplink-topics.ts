/**
 * The uplink's topic tree (docs/uplink.md "Topics"), pure: the gateway's local tree
 * (gateway/mqtt/topics.ts) under `{prefix}/{gatewayId}` on the upstream broker.
 */
import { escapeLevel, parseThingTopic, type ThingTopic } from '../mqtt/topics.js';

export class UplinkTopics {
  /** `{prefix}/{gatewayId}` (or `{gatewayId}` with an empty prefix), the gateway id escaped as a level. */
  readonly base: string;

  constructor(prefix: string, gatewayId: string) {
    const p = prefix.replace(/\/+$/, '');
    this.base = p === '' ? escapeLevel(gatewayId) : `${p}/${escapeLevel(gatewayId)}`;
  }

  /** A local topic (`things/...`, `replies/...`) as it is upstream. */
  up(localTopic: string): string {
    return `${this.base}/${localTopic}`;
  }

  /** The gateway's availability upstream (`online`, retained; the last will says `offline`). */
  get availability(): string {
    return `${this.base}/availability`;
  }

  /** State changes of a queued item (not retained): `.../things/{id}/action/{name}/state`. */
  actionState(localActionTopic: string): string {
    return `${this.up(localActionTopic)}/state`;
  }

  /** What the gateway subscribes to upstream: action requests and property writes. */
  get downstreamFilters(): string[] {
    return [`${this.base}/things/+/action/+`, `${this.base}/things/+/property/+/set`];
  }

  /** A downstream topic as the local request it stands for; null when it is not one. */
  down(topic: string): (ThingTopic & { kind: 'action' | 'property-set' }) | null {
    if (!topic.startsWith(`${this.base}/`)) return null;
    const t = parseThingTopic(topic.slice(this.base.length + 1));
    return t && (t.kind === 'action' || t.kind === 'property-set') ? t as ThingTopic & { kind: 'action' | 'property-set' } : null;
  }
}
