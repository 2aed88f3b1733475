/**
 * `switchyard/testing`: loopback simulators of every vendor's real wire protocol, with scriptable
 * latency, throughput and faults, for tests and demos without API keys.
 *
 * @example
 * ```ts
 * import { createOpenAISimulator } from 'switchyard/testing';
 * const simulator = createOpenAISimulator({ behaviour: { latencyMs: 20 } });
 * const baseURL = await simulator.start();
 * ```
 *
 * @module
 */
export {
  Simulator,
  countTokens,
  defaultReply,
  embeddingFor,
  sampleFromSchema,
  splitIntoTokens,
  type RecordedRequest,
  type SimulatedReply,
  type SimulatedRequest,
  type SimulatedResponse,
  type SimulatorBehaviour,
  type SimulatorFault,
  type SimulatorOptions,
  type SimulatorProtocol,
  type SimulatorStep,
} from './simulator-server.js';
export { createOpenAIProtocol, createOpenAISimulator, openAIProtocol, type OpenAIProtocolOptions } from './openai-simulator.js';
export { anthropicProtocol, createAnthropicProtocol, createAnthropicSimulator } from './anthropic-simulator.js';
