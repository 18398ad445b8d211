/**
 * Agents over MQTT (docs/agents.md): a session of a user with the `agent` role may publish under
 * `agents/{its username}/...` and subscribe to `agents/{its username}/#`; what it publishes there
 * goes to the agent binding (gateway/agents/agent-binding.ts) and is never forwarded. The
 * binding's items for the agent are published on `agents/{agent}/things/{device}/items` (QoS 1).
 * The agent's first session marks its things online, the end of its last one (a disconnect, a
 * broken connection, a last will) offline; a session takes items once it subscribed to them (an
 * item published before would be lost until its result timeout). A refused message is
 * acknowledged, dropped and counted, and the reason goes to `agents/{agent}/errors` for the
 * agent to see.
 *
 * attachAgents() wraps the broker's authorizeSubscribe and authorizePublish once they are set.
 */
import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { Principal } from '../auth/users.js';
import { BadRequestError, toRoostError } from '../../protocols/errors.js';
import { jsonDeeperThan } from '../api/json-depth.js';
import { AGENTS_ROOT, agentsOf, type AgentBinding, type AgentLink } from '../agents/agent-binding.js';
import type { MqttCounters } from './mqtt-metrics.js';
import { DISCARD_TOPIC, escapeLevel, filterWithin } from './topics.js';

export interface AgentBridgeDeps {
  hub: unknown;
  logger: Logger;
  counters: MqttCounters;
  principalOf(client: Client): Principal | undefined;
  publish(topic: string, payload: Buffer, retain: boolean): Promise<void>;
  /** Deepest nesting of arrays and objects in a payload; deeper is refused (ROOST_ERR_BAD_REQUEST), as over HTTP. */
  maxJsonDepth: number;
}

export function attachAgents(broker: Aedes, deps: AgentBridgeDeps): void {
  const { counters, logger } = deps;
  const agentOf = (client: Client | null): string | undefined => {
    const p = client ? deps.principalOf(client) : undefined;
    return p?.role === 'agent' ? p.username : undefined;
  };
  const publish = (topic: string, payload: unknown): void => {
    deps.publish(topic, Buffer.from(JSON.stringify(payload)), false).catch((err: unknown) => logger.error({ err, topic }, 'agent publish failed'));
  };
  // Error reports waiting for delivery. One waits as long as a session of its agent that does not
  // read (up to the broker's drain timeout) and holds a slot of aedes' delivery window (mqemitter,
  // 100 for the whole broker): a flood of refused messages filled it, and every publish of every
  // client waited. Bounded; beyond the bound a refusal is counted, not reported.
  let reportsInFlight = 0;
  const report = (binding: AgentBinding, topic: string, payload: unknown): void => {
    if (reportsInFlight >= binding.options.maxErrorReportsInFlight) {
      binding.counters.errorReportsDropped++;
      return;
    }
    reportsInFlight++;
    deps.publish(topic, Buffer.from(JSON.stringify(payload)), false)
      .catch((err: unknown) => logger.error({ err, topic }, 'agent publish failed'))
      .finally(() => { reportsInFlight--; });
  };
  // One link per session, ready to take items once it subscribed to them.
  const links = new WeakMap<Client, AgentLink & { ready: boolean }>();

  const userSubscribe = broker.authorizeSubscribe;
  broker.authorizeSubscribe = (client, sub, done) => {
    if (!filterWithin(sub.topic, [AGENTS_ROOT])) return userSubscribe(client, sub, done);
    const agent = agentOf(client);
    if (agent !== undefined && filterWithin(sub.topic, [AGENTS_ROOT, escapeLevel(agent)])) return done(null, sub);
    counters.aclDeniedSubscribe++;
    done(null, null);
  };

  const userPublish = broker.authorizePublish;
  broker.authorizePublish = (client, packet, done) => {
    if (!client || !filterWithin(packet.topic, [AGENTS_ROOT])) return userPublish(client, packet, done);
    counters.messagesIn++;
    const agent = agentOf(client);
    const levels = packet.topic.split('/');
    const binding = agentsOf(deps.hub);
    if (agent === undefined || levels[1] !== escapeLevel(agent) || !binding) {
      counters.aclDeniedPublish++;
      if (agent !== undefined && binding) binding.counters.refusedNotOwned++;
      discard(packet);
      return done(null);
    }
    try {
      let payload: unknown = null;
      const text = (packet.payload as Buffer).toString('utf8');
      // JSON.parse takes any depth, but JSON.stringify overflows past a few thousand levels: a value
      // that deep reached the twin and then failed every read of the thing's properties (500).
      if (jsonDeeperThan(text, deps.maxJsonDepth)) {
        binding.count(agent);
        binding.counters.refusedInvalid++;
        throw new BadRequestError(`JSON nested deeper than ${deps.maxJsonDepth} levels`);
      }
      if (text !== '') payload = JSON.parse(text);
      binding.handle(agent, levels.slice(2), payload);
    } catch (err) {
      const e = err instanceof SyntaxError ? { code: 'ROOST_ERR_BAD_REQUEST', message: 'payload is not JSON' } : toRoostError(err);
      logger.debug({ agent, topic: packet.topic, code: e.code }, 'agent message refused');
      report(binding, `${AGENTS_ROOT}/${escapeLevel(agent)}/errors`, { topic: packet.topic, code: e.code, error: e.message });
    }
    discard(packet);
    done(null);
  };

  broker.on('clientReady', (client) => {
    const agent = agentOf(client);
    const binding = agentsOf(deps.hub);
    if (agent === undefined || !binding) return;
    const link = { ready: false, sendItem: (device: string, item: unknown) => publish(`${AGENTS_ROOT}/${escapeLevel(agent)}/things/${device}/items`, item) };
    links.set(client, link);
    binding.connected(agent, link);
  });
  broker.on('subscribe', (subscriptions, client) => {
    const agent = agentOf(client);
    const link = client ? links.get(client) : undefined;
    if (agent === undefined || !link || link.ready || !subscriptions.some((s) => coversItems(s.topic, escapeLevel(agent)))) return;
    link.ready = true;
    agentsOf(deps.hub)?.linkReady(agent);
  });
  broker.on('clientDisconnect', (client) => {
    const agent = agentOf(client);
    const link = links.get(client);
    if (agent === undefined || !link) return;
    links.delete(client);
    agentsOf(deps.hub)?.disconnected(agent, link);
  });
}

/** Whether a subscription filter takes the items of the agent's devices (`agents/{agent}/things/{device}/items`). */
function coversItems(filter: string, agentLevel: string): boolean {
  const f = filter.split('/');
  const items = [AGENTS_ROOT, agentLevel, 'things', null, 'items'];
  for (const [i, level] of items.entries()) {
    if (f[i] === '#') return true;
    if (f[i] === undefined || (f[i] !== '+' && level !== null && f[i] !== level)) return false;
  }
  return f.length === items.length;
}

function discard(packet: PublishPacket): void {
  packet.topic = DISCARD_TOPIC;
  packet.retain = false;
  packet.payload = Buffer.alloc(0);
}
