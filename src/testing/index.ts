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
 * @module switchyard/testing
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
export {
  createOpenAIProtocol,
  createOpenAISimulator,
  openAIProtocol,
  type OpenAIProtocolOptions,
} from './openai-simulator.js';
export {
  anthropicProtocol,
  createAnthropicProtocol,
  createAnthropicSimulator,
  type AnthropicProtocol,
} from './anthropic-simulator.js';
export {
  BedrockSimulator,
  awsErrorResponse,
  bedrockProtocol,
  createBedrockProtocol,
  createBedrockSimulator,
  encodeEventStreamHeaders,
  encodeEventStreamMessage,
  type BedrockSimulatorAuth,
  type BedrockSimulatorOptions,
  type BedrockSimulatorProtocol,
  type BedrockStreamException,
} from './bedrock-simulator.js';
export {
  createGoogleProtocol,
  createGoogleSimulator,
  googleErrorResponse,
  googleProtocol,
  type GoogleSimulatorOptions,
} from './google-simulator.js';
export {
  ENVIRONMENT_ALIASES,
  PROVIDER_ENVIRONMENT,
  startSimulatedProviders,
  type SimulatedProviders,
  type SimulatedProvidersOptions,
} from './simulated-providers.js';
export {
  createMistralProtocol,
  createMistralSimulator,
  mistralProtocol,
  type MistralSimulatorOptions,
} from './mistral-simulator.js';
export {
  createCohereProtocol,
  createCohereSimulator,
  cohereProtocol,
  type CohereSimulatorOptions,
} from './cohere-simulator.js';
