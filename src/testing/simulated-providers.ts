/**
 * Provider configs for a whole gateway in one call: a simulator for every provider type without real
 * credentials, the real vendor for every type whose credentials are in the environment.
 *
 * @module
 */
import type { ProviderConfig, ProviderType } from '../providers/provider.js';
import { createAnthropicSimulator } from './anthropic-simulator.js';
import { createBedrockSimulator } from './bedrock-simulator.js';
import { createCohereSimulator } from './cohere-simulator.js';
import { createGoogleSimulator } from './google-simulator.js';
import { createMistralSimulator } from './mistral-simulator.js';
import { createOpenAISimulator } from './openai-simulator.js';
import type { Simulator, SimulatorOptions } from './simulator-server.js';

/**
 * Other names the vendors' own tools read for a variable of {@link PROVIDER_ENVIRONMENT}, accepted in
 * its place: the Cohere SDK reads `CO_API_KEY`, Google's `GEMINI_API_KEY`.
 *
 * @example
 * ```ts
 * ENVIRONMENT_ALIASES.COHERE_API_KEY; // ['CO_API_KEY']
 * ```
 */
export const ENVIRONMENT_ALIASES: Readonly<Record<string, readonly string[]>> = {
  COHERE_API_KEY: ['CO_API_KEY'],
  GOOGLE_API_KEY: ['GEMINI_API_KEY'],
};

/** A variable of the environment, or the first of its aliases that is set. */
function variable(environment: NodeJS.ProcessEnv, name: string): string | undefined {
  for (const candidate of [name, ...(ENVIRONMENT_ALIASES[name] ?? [])])
    if (environment[candidate]) return environment[candidate];
  return undefined;
}

/**
 * The environment variables that make a provider type real instead of simulated (or their {@link ENVIRONMENT_ALIASES}).
 */
export const PROVIDER_ENVIRONMENT: Readonly<Record<ProviderType, readonly string[]>> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  google: ['GOOGLE_API_KEY'],
  vertex: ['GOOGLE_CLOUD_PROJECT', 'GOOGLE_APPLICATION_CREDENTIALS'],
  mistral: ['MISTRAL_API_KEY'],
  bedrock: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
  cohere: ['COHERE_API_KEY'],
  xai: ['XAI_API_KEY'],
};

interface SimulatedType {
  create(options: SimulatorOptions): Simulator;
  config(baseURL: string): ProviderConfig;
  real(environment: NodeJS.ProcessEnv): ProviderConfig;
}

const SIMULATED: Record<ProviderType, SimulatedType> = {
  openai: {
    create: (options) => createOpenAISimulator(options),
    config: (url) => ({ type: 'openai', apiKey: 'sk-simulated-openai', baseURL: `${url}/v1` }),
    real: (env) => ({ type: 'openai', apiKey: env.OPENAI_API_KEY }),
  },
  xai: {
    create: (options) => createOpenAISimulator(options),
    config: (url) => ({ type: 'xai', apiKey: 'xai-simulated-key', baseURL: `${url}/v1` }),
    real: (env) => ({ type: 'xai', apiKey: env.XAI_API_KEY }),
  },
  anthropic: {
    create: (options) => createAnthropicSimulator(options),
    config: (url) => ({ type: 'anthropic', apiKey: 'sk-ant-simulated', baseURL: url }),
    real: (env) => ({ type: 'anthropic', apiKey: env.ANTHROPIC_API_KEY }),
  },
  google: {
    create: (options) => createGoogleSimulator(options),
    config: (url) => ({ type: 'google', apiKey: 'simulated-google-key', baseURL: url }),
    real: (env) => ({ type: 'google', apiKey: variable(env, 'GOOGLE_API_KEY') }),
  },
  vertex: {
    create: (options) => createGoogleSimulator(options),
    config: (url) => ({
      type: 'vertex',
      project: 'simulated-project',
      region: 'us-central1',
      baseURL: url,
      credentials: { accessToken: 'simulated-vertex-token' },
    }),
    real: (env) => ({
      type: 'vertex',
      project: env.GOOGLE_CLOUD_PROJECT,
      region: env.GOOGLE_CLOUD_LOCATION ?? 'us-central1',
    }),
  },
  mistral: {
    create: (options) => createMistralSimulator(options),
    config: (url) => ({ type: 'mistral', apiKey: 'simulated-mistral-key', baseURL: url }),
    real: (env) => ({ type: 'mistral', apiKey: env.MISTRAL_API_KEY }),
  },
  cohere: {
    create: (options) => createCohereSimulator(options),
    config: (url) => ({ type: 'cohere', apiKey: 'simulated-cohere-key', baseURL: url }),
    real: (env) => ({ type: 'cohere', apiKey: variable(env, 'COHERE_API_KEY') }),
  },
  bedrock: {
    create: (options) => createBedrockSimulator(options),
    config: (url) => ({
      type: 'bedrock',
      baseURL: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIASIMULATED000001', secretAccessKey: 'simulated-secret-access-key' },
    }),
    real: (env) => ({ type: 'bedrock', region: env.AWS_REGION ?? 'us-east-1' }),
  },
};

/**
 * Options of {@link startSimulatedProviders}.
 *
 * @example
 * ```ts
 * const options: SimulatedProvidersOptions = { types: ['openai', 'anthropic'], environment: process.env };
 * ```
 */
export interface SimulatedProvidersOptions {
  /** Provider types to configure (default: every type). */
  types?: readonly ProviderType[];
  /** Where to look for real credentials (default: none, everything simulated). */
  environment?: NodeJS.ProcessEnv;
  /** Behaviour of every started simulator. */
  simulator?: SimulatorOptions;
}

/**
 * Provider configs, running simulators, and which types are real.
 *
 * @example
 * ```ts
 * const { providers, simulated, close } = await startSimulatedProviders();
 * ```
 */
export interface SimulatedProviders {
  /** Provider configs by instance name (the type's name), ready for `new Router({ providers })`. */
  providers: Record<string, ProviderConfig>;
  /** The simulators started, by provider type. */
  simulators: Partial<Record<ProviderType, Simulator>>;
  simulated: ProviderType[];
  real: ProviderType[];
  /** Stops every simulator. */
  close(): Promise<void>;
}

/**
 * Starts a simulator for every provider type without credentials in `environment`, and configures
 * the real vendor for the others.
 *
 * @example
 * ```ts
 * import { startSimulatedProviders } from 'switchyard/testing';
 * const gateway = await startSimulatedProviders({ environment: process.env });
 * console.log('simulated:', gateway.simulated.join(', '));
 * const router = new Router({ providers: gateway.providers });
 * ```
 */
export async function startSimulatedProviders(options: SimulatedProvidersOptions = {}): Promise<SimulatedProviders> {
  const types = options.types ?? (Object.keys(SIMULATED) as ProviderType[]);
  const environment = options.environment ?? {};
  const providers: Record<string, ProviderConfig> = {};
  const simulators: Partial<Record<ProviderType, Simulator>> = {};
  const simulated: ProviderType[] = [];
  const real: ProviderType[] = [];
  try {
    for (const type of types) {
      const spec = SIMULATED[type];
      if (PROVIDER_ENVIRONMENT[type].every((name) => variable(environment, name) !== undefined)) {
        providers[type] = spec.real(environment);
        real.push(type);
        continue;
      }
      const simulator = spec.create(options.simulator ?? {});
      providers[type] = spec.config(await simulator.start());
      simulators[type] = simulator;
      simulated.push(type);
    }
  } catch (error) {
    await Promise.all(Object.values(simulators).map((simulator) => simulator?.close()));
    throw error;
  }
  return {
    providers,
    simulators,
    simulated,
    real,
    close: async () => {
      await Promise.all(Object.values(simulators).map((simulator) => simulator?.close()));
    },
  };
}
