/**
 * Eclipse Hono's MQTT adapter topics for a gateway acting for its devices (docs/uplink.md "Eclipse
 * Hono"), pure. Followed: Hono's MQTT Adapter user guide (eclipse-hono/hono
 * site/documentation/content/user-guide/mqtt-adapter.md): "Publish Telemetry Data (authenticated
 * Gateway)" `telemetry//${device-id}`, "Publish an Event (authenticated Gateway)"
 * `event//${device-id}`, "Receiving Commands (authenticated Gateway)" `command//+/req/#` with one-way
 * commands on `command//${device-id}/req//${command}` and request-response ones on
 * `command//${device-id}/req/${req-id}/${command}`, "Sending a Response to a Command (authenticated
 * Gateway)" `command//${device-id}/res/${req-id}/${status}`, and "Adding Meta Data": a property bag
 * `/?name=value&...` (URL-encoded) at the end of a topic. The time-till-disconnect notification is
 * Hono's Device Notifications concept (concepts/device-notifications): a `ttd` property (seconds;
 * -1 connected until further notice, 0 disconnected now) on an empty event of content type
 * `application/vnd.eclipse-hono-empty-notification` (api/event "Empty Notification").
 */
import { escapeLevel, unescapeLevel } from '../mqtt/topics.js';

export const HONO_EMPTY_NOTIFICATION = 'application/vnd.eclipse-hono-empty-notification';
/** Commands for every device the gateway acts for (the tenant left out: the gateway's own). */
export const HONO_COMMAND_FILTER = 'command//+/req/#';
/** ttd: the device stays connected until further notice. */
export const TTD_CONNECTED = -1;
/** ttd: the device is disconnected now. */
export const TTD_DISCONNECTED = 0;

const JSON_BAG = `/?content-type=${encodeURIComponent('application/json')}`;

/** A thing's Hono device id in topics: its thing id, escaped as an MQTT level (urn:roost:coap:t1 stays as it is). */
export function honoDeviceLevel(thingId: string): string {
  return escapeLevel(thingId);
}

export function honoTelemetryTopic(thingId: string): string {
  return `telemetry//${honoDeviceLevel(thingId)}${JSON_BAG}`;
}

export function honoEventTopic(thingId: string): string {
  return `event//${honoDeviceLevel(thingId)}${JSON_BAG}`;
}

/** The empty notification that says how long (s) a device can take a command. */
export function honoTtdTopic(thingId: string, ttdS: number): string {
  return `event//${honoDeviceLevel(thingId)}/?content-type=${encodeURIComponent(HONO_EMPTY_NOTIFICATION)}&ttd=${Math.trunc(ttdS)}`;
}

/** Where a device's response to a request-response command goes; `json` says the payload is JSON. */
export function honoResponseTopic(thingId: string, reqId: string, status: number, json: boolean): string {
  return `command//${honoDeviceLevel(thingId)}/res/${reqId}/${status}${json ? JSON_BAG : ''}`;
}

export interface HonoCommand {
  thingId: string;
  /** Null for a one-way command. */
  reqId: string | null;
  name: string;
}

/**
 * A command topic as the adapter publishes it to a gateway: `command/[tenant]/{device}/req/[req-id]/{name}`
 * (or the shorthand `c/.../q/...`). Null when it is not one, or names no device (a command for the
 * gateway itself).
 */
export function parseHonoCommand(topic: string): HonoCommand | null {
  const l = topic.split('/');
  if (l.length < 6 || (l[0] !== 'command' && l[0] !== 'c') || (l[3] !== 'req' && l[3] !== 'q')) return null;
  const device = l[2] as string;
  const reqId = l[4] as string;
  const name = l.slice(5).join('/');
  if (device === '' || name === '') return null;
  return { thingId: unescapeLevel(device), reqId: reqId === '' ? null : reqId, name };
}
