/** The agent client for agent authors (docs/agents.md "TypeScript client"). */
export { AgentClient, type AgentClientOptions, type AgentError, type AgentItem, type ItemHandler, type RegisterOptions } from './agent-client.js';
