/**
 * The retained state topics the gateway renders from the hub instead of keeping them in the broker
 * (retained-store.ts; issue 20, ~270 bytes a thing at 10,000 devices): a thing's property values on
 * `things/{id}/property/{name}`, from the twin, and its availability on `things/{id}/availability`.
 * Each payload is made the way its publisher makes it (publisher.ts, availability-publisher.ts),
 * so a publish of the state as it stands is recognised byte for byte; a value the twin holds but
 * the TD no longer admits is not rendered (the hub does not serve it either).
 */
import type { HubApi } from '../hub/hub-api.js';
import { availabilityTopic, OFFLINE, ONLINE } from './availability-publisher.js';
import { jsonPayload } from './publisher.js';
import type { Rendered, RetainedRenderer } from './retained-store.js';
import { parseThingTopic, propertyTopic, thingIdOf, THINGS_ROOT } from './topics.js';

type Hub = Pick<HubApi, 'readProperty' | 'readAllProperties' | 'getThing'>;

const NOTHING: Rendered = { topics: () => [], payload: () => undefined };
const ONLINE_PAYLOAD = Buffer.from(ONLINE);
const OFFLINE_PAYLOAD = Buffer.from(OFFLINE);

/** `things/{id}/property/{name}`: the twin's value, JSON, as the MQTT publisher sends it. */
export function valueRenderer(hub: Hub): RetainedRenderer {
  // Every retained value publish asks for its key and then for its payload: the topic is read once.
  let lastTopic: string | undefined;
  let last: { thingId: string; name: string } | undefined;
  const read = (topic: string): { thingId: string; name: string } | undefined => {
    if (topic !== lastTopic) {
      const t = parseThingTopic(topic);
      lastTopic = topic;
      last = t?.kind === 'property' && propertyTopic(t.thingId, t.name) === topic ? t : undefined;
    }
    return last;
  };
  return {
    root: THINGS_ROOT,
    keyOf: (topic) => read(topic)?.thingId,
    render(id) {
      return {
        topics() {
          try {
            return Object.keys(hub.readAllProperties(id)).map((name) => propertyTopic(id, name));
          } catch {
            return []; // removed; its clearing publishes follow
          }
        },
        payload(topic) {
          const t = read(topic);
          if (t?.thingId !== id) return undefined;
          try {
            const v = hub.readProperty(id, t.name);
            return v === undefined ? undefined : jsonPayload(v.value);
          } catch {
            return undefined;
          }
        },
      };
    },
  };
}

/** `things/{id}/availability`: `online` or `offline`, as the availability publisher sends it. */
export function availabilityRenderer(hub: Hub): RetainedRenderer {
  return {
    root: THINGS_ROOT,
    keyOf: (topic) => thingIdOf(topic, 'availability'),
    render(id) {
      let online: boolean;
      try {
        online = hub.getThing(id).online;
      } catch {
        return NOTHING;
      }
      const topic = availabilityTopic(id);
      return { topics: () => [topic], payload: (t) => (t === topic ? (online ? ONLINE_PAYLOAD : OFFLINE_PAYLOAD) : undefined) };
    },
  };
}
