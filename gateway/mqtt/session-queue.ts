/**
 * A bound on the QoS 1 messages aedes keeps for one stored session (CONNECT with Clean Session 0,
 * MQTT 3.1.1 §3.1.2.4). aedes' memory persistence queues every matching QoS 1 message for such a
 * session while it is offline, and keeps it while online until its PUBACK, with no limit: a viewer
 * with a few sessions subscribed to `things/#` that never come back grew the gateway's memory with
 * every value published, for ever. Here a session holds at most `maxQueued` messages; a message
 * beyond that is not queued for it and is counted (mosquitto's `max_queued_messages`, default
 * 1000, drops the same way). The queue empties as the session's PUBACKs come in, so a session
 * that comes back and reads gets the room back. A session that is online when a message is
 * dropped for it has not acknowledged maxQueued messages; aedes would fail its delivery (nothing
 * queued to update) and close it, so the broker closes it first, with a reason in the log.
 */

/** The parts of aedes' persistence that queue and clear a session's outgoing messages. */
export interface OutgoingQueue {
  outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: unknown): Promise<void>;
  /** Resolves with the packet it removed, or nothing when no packet had that id. */
  outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
}

export class SessionQueueLimit {
  private readonly queued = new Map<string, number>();
  private droppedCount = 0;

  /** onDropped is told of each message not queued (the broker closes the session's connection, if it has one). */
  constructor(private readonly maxQueued: number, private readonly onDropped: (clientId: string) => void = () => undefined) {}

  /** Messages not queued for a session because its queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Messages queued now for one session. */
  queuedFor(clientId: string): number {
    return this.queued.get(clientId) ?? 0;
  }

  /** Takes over the queueing calls of aedes' persistence (broker.persistence), before any client connects. */
  wrap(p: OutgoingQueue): void {
    const enqueue = p.outgoingEnqueue.bind(p);
    const enqueueCombi = p.outgoingEnqueueCombi.bind(p);
    const clear = p.outgoingClearMessageId.bind(p);
    p.outgoingEnqueue = (sub, packet) => (this.admit(sub.clientId) ? enqueue(sub, packet) : Promise.resolve());
    p.outgoingEnqueueCombi = (subs, packet) => {
      const room = subs.filter((s) => this.admit(s.clientId));
      return room.length > 0 ? enqueueCombi(room, packet) : Promise.resolve();
    };
    p.outgoingClearMessageId = async (client, packet) => {
      const removed = await clear(client, packet);
      if (removed) this.release(client.id);
      return removed;
    };
  }

  private admit(clientId: string): boolean {
    const n = this.queued.get(clientId) ?? 0;
    if (n >= this.maxQueued) {
      this.droppedCount++;
      this.onDropped(clientId);
      return false;
    }
    this.queued.set(clientId, n + 1);
    return true;
  }

  private release(clientId: string): void {
    const n = (this.queued.get(clientId) ?? 0) - 1;
    if (n > 0) this.queued.set(clientId, n);
    else this.queued.delete(clientId);
  }
}
