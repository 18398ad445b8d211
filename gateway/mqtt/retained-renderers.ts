/**
 * The retained topics the gateway renders from its directory instead of keeping them in the broker
 * (retained-store.ts): a thing's consumer TD on `things/{id}/td`, and its Home Assistant
 * discovery configs. Each renderer's payload is made by the same function as its publisher's, so a
 * publish of the state as it stands is recognised byte for byte.
 */
import type { HubApi } from '../hub/hub-api.js';
import { discoveryMessages, haConfigPayload, haId, type HaOptions } from './ha-discovery.js';
import { jsonPayload } from './publisher.js';
import type { Rendered, RetainedRenderer } from './retained-store.js';
import { tdTopic, thingIdOf, THINGS_ROOT } from './topics.js';

type Things = Pick<HubApi, 'getThing'>;
type Td = object;

const NOTHING: Rendered = { topics: () => [], payload: () => undefined };

/**
 * The payloads made of a consumer TD, by the TD object: the directory hands out the same object
 * for the thing it derived last (gateway/hub/directory.ts), and a publish is checked against the
 * render while the thing it is about was just derived, several times for its discovery configs.
 * A TD object is one thing's, so what else a render reads of the thing goes with it.
 */
function memo<T extends object>(): (td: Td, make: () => T) => T {
  const made = new WeakMap<Td, T>();
  return (td, make) => {
    let v = made.get(td);
    if (v === undefined) made.set(td, (v = make()));
    return v;
  };
}

/** `things/{id}/td`: the thing's consumer TD as the MQTT publisher sends it. */
export function tdRenderer(hub: Things): RetainedRenderer {
  const payloadOf = memo<Buffer>();
  return {
    root: THINGS_ROOT,
    keyOf: (topic) => thingIdOf(topic, 'td'),
    render(id) {
      let td: Td;
      try {
        td = hub.getThing(id).consumerTd;
      } catch {
        return NOTHING; // removed; its clearing publish follows
      }
      const topic = tdTopic(id);
      return { topics: () => [topic], payload: (t) => (t === topic ? payloadOf(td, () => jsonPayload(td)) : undefined) };
    },
  };
}

/**
 * `{prefix}/{component}/{node_id}/{object_id}/config`: a thing's discovery configs. The node id is
 * the thing id with `:` as `_` (ha-discovery.ts haId); an id that haId hashed does not read back
 * (it reads as another id, whose render is not the payload), and its configs stay kept in the
 * broker as before.
 */
export function haDiscoveryRenderer(hub: Things, options: HaOptions): RetainedRenderer {
  const head = `${options.prefix}/`;
  const payloadsOf = memo<Map<string, Buffer>>();
  return {
    root: options.prefix.split('/', 1)[0]!,
    keyOf(topic) {
      if (!topic.startsWith(head) || !topic.endsWith('/config')) return undefined;
      const levels = topic.split('/');
      const nodeId = levels.length === options.prefix.split('/').length + 4 ? levels.at(-3)! : undefined;
      if (nodeId === undefined || !nodeId.startsWith(options.idPrefix)) return undefined;
      const id = nodeId.slice(options.idPrefix.length).replaceAll('_', ':');
      return haId(id) === nodeId.slice(options.idPrefix.length) ? id : undefined;
    },
    render(id) {
      let payloads: Map<string, Buffer>;
      try {
        const t = hub.getThing(id);
        const td = t.consumerTd;
        payloads = payloadsOf(td, () => new Map(discoveryMessages({ id: t.id, binding: t.binding, consumerTd: td }, options).map((m) => [m.topic, haConfigPayload(m)])));
      } catch {
        return NOTHING;
      }
      return { topics: () => [...payloads.keys()], payload: (t) => payloads.get(t) };
    },
  };
}
