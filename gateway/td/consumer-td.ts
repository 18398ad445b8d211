/**
 * Derives the consumer TD the directory publishes from a device's native TD: same affordances
 * and data schemas, but every form points at the hub's own HTTP and MQTT endpoints, so a
 * consumer never talks to a device directly (ARCHITECTURE.md, "Two TDs per thing").
 */
import type { ThingDescription } from '../binding.js';
import { SET_SUFFIX, escapeLevel, thingTopic } from '../mqtt/topics.js';

export interface HubEndpoints {
  /** e.g. http://gateway.local:8080 (no trailing slash). */
  httpBase: string;
  /** e.g. mqtt://gateway.local:1883, or undefined when MQTT is off. */
  mqttBase?: string;
}

type Affordance = Record<string, unknown> & { forms?: unknown };
type Form = Record<string, unknown>;

// node-wot needs the 1.0 context first and the 1.1 context second (FACTS.md).
const CONTEXT = [
  'https://www.w3.org/2019/wot/td/v1',
  'https://www.w3.org/2022/wot/td/v1.1',
  { htv: 'http://www.w3.org/2011/http#', mqv: 'http://www.example.org/mqtt-binding#' },
];

function affordanceMap(td: ThingDescription, key: 'properties' | 'actions' | 'events'): Record<string, Affordance> {
  const v = td[key];
  return v && typeof v === 'object' ? (v as Record<string, Affordance>) : {};
}

function withoutForms(a: Affordance): Affordance {
  const { forms: _forms, uriVariables: _uv, ...rest } = a;
  return rest;
}

function propertyForms(e: HubEndpoints, path: string, topic: string, a: Affordance): Form[] {
  const href = `${e.httpBase}${path}`;
  const forms: Form[] = [
    // A property with no value yet, or a device that does not answer, is a typed problem (404 / 504), never null.
    { href, op: ['readproperty'], 'htv:methodName': 'GET', contentType: 'application/json', additionalResponses: [{ success: false, contentType: 'application/problem+json' }] },
  ];
  if (a['readOnly'] !== true) forms.push({ href, op: ['writeproperty'], 'htv:methodName': 'PUT', contentType: 'application/json' });
  if (a['observable'] === true) {
    // Longpoll first, for the same reasons as on events (eventForms).
    forms.push(
      { href: `${href}/observe/longpoll`, op: ['observeproperty', 'unobserveproperty'], subprotocol: 'longpoll', contentType: 'application/json' },
      { href: `${href}/observe`, op: ['observeproperty', 'unobserveproperty'], 'htv:methodName': 'GET', subprotocol: 'sse', contentType: 'text/event-stream' },
    );
  }
  if (e.mqttBase) {
    // Values are retained: a subscriber gets the current one at once (node-wot's readproperty needs it).
    forms.push({ href: `${e.mqttBase}/${topic}`, op: ['readproperty', 'observeproperty', 'unobserveproperty'], 'mqv:controlPacket': 'subscribe', contentType: 'application/json' });
    if (a['readOnly'] !== true) forms.push({ href: `${e.mqttBase}/${topic}/${SET_SUFFIX}`, op: ['writeproperty'], 'mqv:controlPacket': 'publish', contentType: 'application/json' });
  }
  return forms;
}

function actionForms(e: HubEndpoints, path: string, topic: string): Form[] {
  const forms: Form[] = [{ href: `${e.httpBase}${path}`, op: ['invokeaction'], 'htv:methodName': 'POST', contentType: 'application/json' }];
  if (e.mqttBase) forms.push({ href: `${e.mqttBase}/${topic}`, op: ['invokeaction'], 'mqv:controlPacket': 'publish', contentType: 'application/json' });
  return forms;
}

function eventForms(e: HubEndpoints, path: string, topic: string): Form[] {
  const href = `${e.httpBase}${path}`;
  // Longpoll first: consumers that take the first matching form (node-wot) get the one that
  // carries the bearer token; node-wot's SSE client sends no credentials (FACTS.md). No
  // `htv:methodName` on it (GET is the binding's default for subscribeevent): node-wot would
  // use it for its HEAD handshake too, which then waits for an event and times out.
  const forms: Form[] = [
    { href: `${href}/longpoll`, op: ['subscribeevent', 'unsubscribeevent'], subprotocol: 'longpoll', contentType: 'application/json' },
    { href, op: ['subscribeevent', 'unsubscribeevent'], 'htv:methodName': 'GET', subprotocol: 'sse', contentType: 'text/event-stream' },
  ];
  if (e.mqttBase) forms.push({ href: `${e.mqttBase}/${topic}`, op: ['subscribeevent', 'unsubscribeevent'], 'mqv:controlPacket': 'subscribe', contentType: 'application/json' });
  return forms;
}

/** HTTP path of a thing (`/things/<encoded id>`). */
export function thingPath(thingId: string): string {
  return `/things/${encodeURIComponent(thingId)}`;
}

export function deriveConsumerTd(native: ThingDescription, thingId: string, e: HubEndpoints): ThingDescription {
  const path = thingPath(thingId);
  const topic = thingTopic(thingId);
  const map = <T>(key: 'properties' | 'actions' | 'events', forms: (name: string, a: Affordance) => T) =>
    Object.fromEntries(Object.entries(affordanceMap(native, key)).map(([name, a]) => [name, { ...withoutForms(a), forms: forms(name, a) }]));

  const td: ThingDescription = {
    '@context': CONTEXT,
    id: thingId,
    title: native.title,
    securityDefinitions: {
      bearer_sc: { scheme: 'bearer', format: 'jwt', alg: 'HS256', in: 'header', authorization: `${e.httpBase}/auth/token` },
    },
    security: ['bearer_sc'],
    properties: map('properties', (name, a) => propertyForms(e, `${path}/properties/${encodeURIComponent(name)}`, `${topic}/property/${escapeLevel(name)}`, a)),
    actions: map('actions', (name) => actionForms(e, `${path}/actions/${encodeURIComponent(name)}`, `${topic}/action/${escapeLevel(name)}`)),
    events: map('events', (name) => eventForms(e, `${path}/events/${encodeURIComponent(name)}`, `${topic}/event/${escapeLevel(name)}`)),
    forms: [
      { href: `${e.httpBase}${path}/properties`, op: ['readallproperties', 'readmultipleproperties'], 'htv:methodName': 'GET', contentType: 'application/json' },
      { href: `${e.httpBase}${path}/events`, op: ['subscribeallevents', 'unsubscribeallevents'], 'htv:methodName': 'GET', subprotocol: 'sse', contentType: 'text/event-stream' },
    ],
  };
  for (const key of ['@type', 'description', 'descriptions', 'titles', 'version', 'support', 'links', 'schemaDefinitions']) {
    if (native[key] !== undefined) td[key] = native[key];
  }
  return td;
}
