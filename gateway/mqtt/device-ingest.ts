/**
 * Device ingest over MQTT (docs/api.md "Device ingest"), in the TUM iotplatform gateways' way:
 * CONNECT with username `JWT` and a device token as the password, then PUBLISH readings (one
 * object or an array, as POST /ingest) to the topic that is the device id. Such a session is a
 * device, not a user: it may publish to its own topic only and subscribe to nothing. The PUBACK of
 * a QoS 1 publish goes out once the readings are committed (ack after commit); refused readings
 * are acknowledged, counted and dropped (MQTT 3.1.1 has no negative PUBACK), and a failed commit
 * closes the connection so the device sends again. Tokens are checked again every
 * authCheckIntervalMs: a revoked device is disconnected.
 *
 * attachDeviceIngest() wraps the broker's authenticate / authorizeSubscribe / authorizePublish
 * hooks once they are set, so the user path in broker.ts stays as it is.
 */
import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { toRoostError } from '../../protocols/errors.js';
import { ingestOf } from '../ingest/ingest-binding.js';
import { parseReadings } from '../ingest/tum-readings.js';
import type { ClientIds } from './auth.js';
import type { MqttCounters } from './mqtt-metrics.js';
import { DISCARD_TOPIC } from './topics.js';

/** The CONNECT username that marks a device token login (TUM iotplatform convention). */
export const DEVICE_USERNAME = 'JWT';

export interface DeviceIngestDeps {
  hub: unknown;
  logger: Logger;
  counters: MqttCounters;
  clientIds: ClientIds;
  checkIntervalMs: number;
}

interface DeviceSession { deviceId: string; token: string }

type AuthError = Error & { returnCode: number };

export function attachDeviceIngest(broker: Aedes, deps: DeviceIngestDeps): { close(): void } {
  const { counters, logger } = deps;
  const devices = new WeakMap<Client, DeviceSession>();
  const live = new Set<Client>();
  const owner = (deviceId: string) => `device:${deviceId}`;

  const userAuthenticate = broker.authenticate;
  broker.authenticate = (client, username, password, done) => {
    if (username !== DEVICE_USERNAME) return userAuthenticate(client, username, password, done);
    const ingest = ingestOf(deps.hub);
    const token = password?.toString('utf8') ?? '';
    // MQTT 3.1.1 §3.2.2.3: 3 server unavailable, 4 bad user name or password, 5 not authorized.
    const refuse = (returnCode: number, why: string) => {
      counters.authFailures++;
      logger.debug({ clientId: client.id, returnCode, why }, 'mqtt device connect refused');
      done(Object.assign(new Error(why), { returnCode }) as AuthError, null);
    };
    if (!ingest) return refuse(3, 'ingest binding not running');
    if (token === '') {
      ingest.refusedUnauthenticated();
      return refuse(4, 'no device token');
    }
    ingest.authenticate(token).then((deviceId) => {
      if (!deps.clientIds.claim(client.id, owner(deviceId))) return refuse(2, 'client id in use');
      devices.set(client, { deviceId, token });
      done(null, true);
    }, (err: unknown) => refuse(toRoostError(err).httpStatus === 401 ? 4 : 5, (err as Error).message));
  };

  const userSubscribe = broker.authorizeSubscribe;
  broker.authorizeSubscribe = (client, sub, done) => {
    if (!devices.has(client)) return userSubscribe(client, sub, done);
    counters.aclDeniedSubscribe++;
    done(null, null);
  };

  const userPublish = broker.authorizePublish;
  broker.authorizePublish = (client, packet, done) => {
    const s = client ? devices.get(client) : undefined;
    if (!client || !s) return userPublish(client, packet, done);
    counters.messagesIn++;
    const ingest = ingestOf(deps.hub);
    if (packet.topic !== s.deviceId || !ingest) {
      counters.aclDeniedPublish++;
      discard(packet);
      return done(null);
    }
    let readings;
    try {
      readings = parseReadings(JSON.parse((packet.payload as Buffer).toString('utf8')), ingest.options.maxReadingsPerRequest);
    } catch (err) {
      ingest.refusedInvalid();
      logger.debug({ deviceId: s.deviceId, err: (err as Error).message }, 'mqtt device readings refused');
      discard(packet);
      return done(null);
    }
    ingest.ingest(s.deviceId, readings).then(() => {
      discard(packet);
      done(null);
    }, (err: unknown) => {
      const e = toRoostError(err);
      discard(packet);
      if (e.httpStatus >= 500) {
        logger.error({ err, deviceId: s.deviceId }, 'mqtt device readings not stored; closing so the device sends again');
        done(err as Error);
      } else {
        done(null);
      }
    });
  };

  broker.on('clientReady', (client) => {
    if (devices.has(client)) live.add(client);
  });
  broker.on('clientDisconnect', (client) => {
    live.delete(client);
    const s = devices.get(client);
    if (s && client.clean) deps.clientIds.release(client.id, owner(s.deviceId));
  });

  const sweep = setInterval(() => {
    const ingest = ingestOf(deps.hub);
    for (const client of live) {
      const s = devices.get(client);
      if (!s) continue;
      (ingest ? ingest.authenticate(s.token) : Promise.reject(new Error('ingest binding gone'))).then((id) => {
        if (id !== s.deviceId) throw new Error('token changed hands');
      }).catch(() => {
        counters.sessionsRevoked++;
        logger.info({ clientId: client.id, deviceId: s.deviceId }, 'mqtt device session ended: token expired or revoked');
        live.delete(client);
        client.close();
      });
    }
  }, deps.checkIntervalMs);
  sweep.unref();
  return { close: () => clearInterval(sweep) };
}

function discard(packet: PublishPacket): void {
  packet.topic = DISCARD_TOPIC;
  packet.retain = false;
  packet.payload = Buffer.alloc(0);
}
