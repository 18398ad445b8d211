/**
 * Agents over MQTT (docs/agents.md): a session of a user with the `agent` role may publish under
 * `agents/{its username}/...` and subscribe to `agents/{its username}/#`; what it publishes there
 * goes to the agent binding (gateway/agents/agent-binding.ts) and is never forwarded. The
 * binding's items for the agent are published on `agents/{agent}/things/{device}/items` (QoS 1).
 * The agent's first session marks its things online, the end of its last one (a disconnect, a
 * broken connection, a last will) offline. A refused message is acknowledged, dropped and
 * counted, and the reason goes to `agents/{agent}/errors` for the agent to see.
 *
 * attachAgents() wraps the broker's authorizeSubscribe and authorizePublish once they are set.
 */
import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { Principal } from '../auth/users.js';
import { toRoostError } from '../../protocols/errors.js';
import { AGENTS_ROOT, agentsOf, type AgentLink } from '../agents/agent-binding.js';
import type { MqttCounters } from './mqtt-metrics.js';
import { DISCARD_TOPIC, escapeLevel, filterWithin } from './topics.js';

export interface AgentBridgeDeps {
  hub: unknown;
  logger: Logger;
  counters: MqttCounters;
  principalOf(client: Client): Principal | undefined;
  publish(topic: string, payload: Buffer, retain: boolean): Promise<void>;
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
  // One link per agent: every session of it subscribes to the same topics.
  const links = new Map<string, AgentLink>();
  const linkOf = (agent: string): AgentLink => {
    let link = links.get(agent);
    if (!link) {
      link = { sendItem: (device, item) => publish(`${AGENTS_ROOT}/${escapeLevel(agent)}/things/${device}/items`, item) };
      links.set(agent, link);
    }
    return link;
  };
  const connected = new WeakSet<Client>();

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
      if (text !== '') payload = JSON.parse(text);
      binding.handle(agent, levels.slice(2), payload);
    } catch (err) {
      const e = err instanceof SyntaxError ? { code: 'ROOST_ERR_BAD_REQUEST', message: 'payload is not JSON' } : toRoostError(err);
      logger.debug({ agent, topic: packet.topic, code: e.code }, 'agent message refused');
      publish(`${AGENTS_ROOT}/${escapeLevel(agent)}/errors`, { topic: packet.topic, code: e.code, error: e.message });
    }
    discard(packet);
    done(null);
  };

  broker.on('clientReady', (client) => {
    const agent = agentOf(client);
    const binding = agentsOf(deps.hub);
    if (agent === undefined || !binding) return;
    connected.add(client);
    binding.connected(agent, linkOf(agent));
  });
  broker.on('clientDisconnect', (client) => {
    const agent = agentOf(client);
    if (agent === undefined || !connected.has(client)) return;
    connected.delete(client);
    agentsOf(deps.hub)?.disconnected(agent, linkOf(agent));
  });
}

function discard(packet: PublishPacket): void {
  packet.topic = DISCARD_TOPIC;
  packet.retain = false;
  packet.payload = Buffer.alloc(0);
}
