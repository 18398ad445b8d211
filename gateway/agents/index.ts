/** The agent binding module: options schema and factory (gateway/binding-registry.ts loads it). */
import type { BindingModule } from '../binding.js';
import { AgentBinding, optionsSchema, type AgentOptions } from './agent-binding.js';

export { optionsSchema };

export function create(options: Partial<AgentOptions>): AgentBinding {
  return new AgentBinding(options);
}

export default { optionsSchema, create } satisfies BindingModule<Partial<AgentOptions>>;
