/**
 * Test helpers for the MQTT API: connect with the `mqtt` client (no reconnects), and wait for a
 * message matching a topic with a bounded timeout.
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import { Users, type Role } from '../../../gateway/auth/users.js';
import type { TestGateway } from '../../helpers/gateway.js';

export interface Received {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

export interface Rig {
  client: MqttClient;
  received: Received[];
  /** Resolves with the first message (already received or coming) on this topic. */
  next(topic: string, timeoutMs?: number): Promise<Received>;
  /** Like next() but parses the payload as JSON. */
  json(topic: string, timeoutMs?: number): Promise<unknown>;
}

export async function connect(url: string, opts: IClientOptions = {}): Promise<Rig> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload, packet });
    for (const w of waiters.splice(0)) w();
  });
  const next = (topic: string, timeoutMs = 5000): Promise<Received> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
    const look = (): void => {
      const i = received.findIndex((r) => r.topic === topic);
      if (i >= 0) {
        clearTimeout(timer);
        resolve(received.splice(i, 1)[0] as Received);
      } else {
        waiters.push(look);
      }
    };
    look();
  });
  return { client, received, next, json: async (topic, timeoutMs) => JSON.parse((await next(topic, timeoutMs)).payload.toString()) as unknown };
}

/**
 * SUBSCRIBE and the return codes of its SUBACK as sent (the mqtt client turns a 0x80 into an
 * error and hides the others).
 */
export function subscribeCodes(client: MqttClient, filters: Record<string, { qos: 0 | 1 }>): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (p: Packet): void => {
      if (p.cmd !== 'suback') return;
      client.off('packetreceive', onPacket);
      resolve((p.granted as unknown[]).filter((g): g is number => typeof g === 'number'));
    };
    client.on('packetreceive', onPacket);
    client.subscribe(filters, () => undefined);
  });
}

/** The error a refused CONNECT gives the mqtt client (its `code` is the CONNACK return code). */
export async function connectError(url: string, opts: IClientOptions): Promise<Error & { code?: number }> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    await c.endAsync();
  } catch (err) {
    return err as Error & { code?: number };
  }
  throw new Error('connect was accepted');
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function addUser(gw: TestGateway, username: string, password: string, role: Role): Promise<Users> {
  const users = new Users(gw.store.db, 3600);
  await users.create(username, password, role);
  return users;
}

export async function httpToken(gw: TestGateway, username: string, password: string): Promise<string> {
  const r = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return ((await r.json()) as { token: string }).token;
}
