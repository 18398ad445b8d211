/**
 * A client for agent authors (docs/agents.md): a process that speaks for devices Roost cannot
 * reach itself connects to the gateway's MQTT broker as a user with the `agent` role, registers
 * its devices' things, reports their values and events, and answers the queued actions and
 * property writes the gateway hands it. It depends on the `mqtt` package only, never on the
 * gateway's code: it speaks the wire contract of docs/agents.md, like any agent in any language.
 *
 * Semantics it keeps for the author: every (re)connection subscribes first and then registers
 * the things again (which reopens their windows); an item id runs once (a repeated id, sent
 * again because its result was late or lost, gets the first run's result again).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** A queued action or property write for one of the agent's devices. */
export interface AgentItem {
  /** The device (as registered) the item is for. */
  device: string;
  /** Stable across resends: the same id is the same request. */
  id: string;
  kind: 'action' | 'write';
  /** The action's or property's name in the device's TD. */
  name: string;
  /** The action's input, or the value to write. */
  input: unknown;
  /** Delivery attempts so far, this one included. */
  attempt: number;
  /** Epoch ms after which the gateway gives up on it. */
  expiresAt: number;
}

/**
 * Runs one item. What it returns is the result's output (`completed`); what it throws fails the
 * item with the error's message.
 */
export type ItemHandler = (item: AgentItem) => unknown;

/** Why the gateway refused a message of this agent (its `agents/{agent}/errors` topic). */
export interface AgentError {
  topic: string;
  code: string;
  error: string;
}

export interface AgentClientOptions {
  /** `mqtt://`, `mqtts://`, `ws://host:port/mqtt` or `wss://host:port/mqtt`. */
  url: string;
  /** The agent user's name: its things are `urn:roost:agent:{username}:{device}`. */
  username: string;
  /** Its password, or a bearer token from POST /auth/token. */
  password: string;
  /** CA certificate(s) to trust for mqtts/wss (the gateway's own certificate by default is self-signed). */
  ca?: string | Buffer;
  /** Reconnect delay after a lost connection (ms; 0: no reconnection). Default 2000. */
  reconnectPeriodMs?: number;
  /** How long connect() waits for the first connection (ms). Default 10000. */
  connectTimeoutMs?: number;
  /** Item ids remembered with their result, to answer a resend without running it again. Default 1024. */
  maxRememberedItems?: number;
}

export interface RegisterOptions {
  /** A sleepy device gets items only after setAwake(), inside its window. */
  sleepy?: boolean;
}

type Result = { state: 'completed'; output?: unknown } | { state: 'failed'; error: string };

const DEVICE = /^[A-Za-z0-9._-]{1,64}$/;

export class AgentClient {
  private readonly things = new Map<string, { td: Record<string, unknown>; sleepy: boolean }>();
  private readonly runs = new Map<string, Promise<Result>>();
  private itemHandler: ItemHandler | null = null;
  private readonly errorHandlers: Array<(e: AgentError) => void> = [];
  private readonly connectionErrorHandlers: Array<(err: Error) => void> = [];
  private readonly root: string;

  private constructor(private readonly mqtt: MqttClient, private readonly opts: AgentClientOptions) {
    this.root = `agents/${opts.username}`;
    mqtt.on('message', (topic, payload) => this.onMessage(topic, payload));
    // A connection error after the first connection (a refused login on reconnection, a broken
    // socket) must not be an unhandled 'error' event: mqtt.js keeps reconnecting by itself.
    mqtt.on('error', (err) => {
      for (const h of this.connectionErrorHandlers) h(err);
    });
    // After a reconnection: subscribe (mqtt.js does), then register again to reopen the windows.
    mqtt.on('connect', () => {
      void this.subscribe().then(() => this.announceAll()).catch(() => undefined);
    });
  }

  /** Connects, subscribes to the agent's topics; resolves once the broker accepted the session. */
  static async connect(opts: AgentClientOptions): Promise<AgentClient> {
    if (opts.username.includes('/') || opts.username.includes('+') || opts.username.includes('#')) throw new Error('an agent name for MQTT topics may not hold / + #');
    const o: IClientOptions = {
      username: opts.username,
      password: opts.password,
      reconnectPeriod: opts.reconnectPeriodMs ?? 2000,
      connectTimeout: opts.connectTimeoutMs ?? 10_000,
      clean: true,
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
    };
    const client = new AgentClient(await mqtt.connectAsync(opts.url, o), opts);
    await client.subscribe();
    return client;
  }

  /** Registers (or replaces) a device's thing with its native TD 1.1; again after every reconnection. */
  async registerThing(device: string, td: Record<string, unknown>, options: RegisterOptions = {}): Promise<void> {
    if (!DEVICE.test(device)) throw new Error(`device name ${device}: letters, digits, . _ - (1 to 64)`);
    this.things.set(device, { td, sleepy: options.sleepy === true });
    await this.announce(device);
  }

  /** Reports one property value (ts: epoch ms, default now at the gateway). */
  reportProperty(device: string, name: string, value: unknown, ts?: number): Promise<void> {
    return this.reportProperties(device, { [name]: value }, ts);
  }

  /** Reports several property values of a device at once. */
  reportProperties(device: string, values: Record<string, unknown>, ts?: number): Promise<void> {
    return this.send(`things/${device}/properties`, ts === undefined ? values : { values, ts });
  }

  /** Emits an event of a device. */
  emitEvent(device: string, name: string, data: unknown): Promise<void> {
    return this.send(`things/${device}/events/${name}`, data ?? null);
  }

  /** A sleepy device woke up: the gateway hands its queued items now (for windowMs, or its default window). */
  setAwake(device: string, windowMs?: number): Promise<void> {
    return this.send(`things/${device}/awake`, windowMs === undefined ? {} : { windowMs });
  }

  /** A sleepy device went back to sleep: its items wait for the next setAwake(). */
  setAsleep(device: string): Promise<void> {
    return this.send(`things/${device}/asleep`, {});
  }

  /** Who runs the items; one handler for all devices (item.device says which). */
  onItem(handler: ItemHandler): void {
    this.itemHandler = handler;
  }

  /** Called with every refusal the gateway reports for this agent's messages. */
  onError(handler: (e: AgentError) => void): void {
    this.errorHandlers.push(handler);
  }

  /** Called with connection errors after connect() (mqtt.js reconnects every reconnectPeriodMs meanwhile). */
  onConnectionError(handler: (err: Error) => void): void {
    this.connectionErrorHandlers.push(handler);
  }

  /** Disconnects cleanly: the agent's things go offline and their queues wait. */
  async close(): Promise<void> {
    await this.mqtt.endAsync();
  }

  private subscribe(): Promise<unknown> {
    return this.mqtt.subscribeAsync(`${this.root}/#`, { qos: 1 });
  }

  private async announceAll(): Promise<void> {
    for (const device of this.things.keys()) await this.announce(device);
  }

  private announce(device: string): Promise<void> {
    const t = this.things.get(device)!;
    return this.send(`things/${device}/td`, { td: t.td, ...(t.sleepy ? { sleepy: true } : {}) });
  }

  private async send(rest: string, payload: unknown): Promise<void> {
    await this.mqtt.publishAsync(`${this.root}/${rest}`, JSON.stringify(payload), { qos: 1 });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (!topic.startsWith(`${this.root}/`)) return;
    const rest = topic.slice(this.root.length + 1).split('/');
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (rest.length === 1 && rest[0] === 'errors') {
      for (const h of this.errorHandlers) h(body as AgentError);
    } else if (rest.length === 3 && rest[0] === 'things' && rest[2] === 'items') {
      void this.run({ ...(body as Omit<AgentItem, 'device'>), device: rest[1]! });
    }
  }

  private async run(item: AgentItem): Promise<void> {
    let result = this.runs.get(item.id);
    if (!result) {
      result = this.execute(item);
      this.runs.set(item.id, result);
      const max = this.opts.maxRememberedItems ?? 1024;
      if (this.runs.size > max) this.runs.delete(this.runs.keys().next().value as string);
    }
    const r = await result;
    await this.send(`things/${item.device}/results`, { id: item.id, ...r }).catch(() => undefined);
  }

  private async execute(item: AgentItem): Promise<Result> {
    if (!this.itemHandler) return { state: 'failed', error: 'this agent takes no items' };
    try {
      const output = await this.itemHandler(item);
      return output === undefined ? { state: 'completed' } : { state: 'completed', output };
    } catch (err) {
      return { state: 'failed', error: err instanceof Error ? err.message : String(err) };
    }
  }
}
