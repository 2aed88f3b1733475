/**
 * The `bedrock` provider: Amazon Bedrock through `@aws-sdk/client-bedrock-runtime` — Converse and
 * ConverseStream for text, tools, images, documents, cache points and reasoning (Anthropic Claude,
 * Meta Llama, Mistral, Amazon Nova...), InvokeModel for Titan and Cohere embeddings.
 *
 * @module
 */
import type {
  BedrockRuntimeClient,
  ConverseStreamCommandInput,
  ConverseStreamCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import type { ProviderCredentials, StreamPart } from '../../core/types.js';
import type {
  Provider,
  ProviderCall,
  ProviderConfig,
  ProviderEmbedCall,
  ProviderEmbedResult,
  ProviderImageCall,
  ProviderImageResult,
  ProviderRerankCall,
  ProviderRerankResult,
  ProviderFactory,
  ProviderGenerateResult,
  ProviderStreamResult,
} from '../provider.js';
import {
  addHeaders,
  authKey,
  authSecrets,
  createBedrockClient,
  loadBedrockSdk,
  resolveAuth,
  type BedrockAuth,
} from './bedrock-client.js';
import { warmUp } from '../shared/provider-support.js';
import { COHERE_MAX_TEXTS, embedWithBedrock } from './bedrock-embeddings.js';
import { BEDROCK_MAX_IMAGES, generateBedrockImages, rerankWithBedrock } from './bedrock-images.js';
import { bedrockError } from './bedrock-errors.js';
import { readOptions } from './bedrock-prompt.js';
import { buildConverseInput } from './bedrock-request.js';
import { bedrockUsage, convertContent, convertStream, finishReason } from './bedrock-response.js';

export { modelFamily, type BedrockModelFamily } from './bedrock-request.js';

/** How many per-call (BYOK) clients a provider keeps. */
const MAX_CACHED_CLIENTS = 32;

/**
 * Amazon Bedrock behind the `Provider` interface.
 *
 * Credentials: `config.credentials` (`accessKeyId`, `secretAccessKey`, `sessionToken`), or a Bedrock
 * API key (`config.apiKey` / `credentials.apiKey`, sent as a bearer token), or else the SDK's standard
 * AWS credential chain. Region: `config.region`, else `AWS_REGION`, else `us-east-1`. Per-call
 * `credentials` (BYOK, with an optional `region`) get their own client.
 *
 * `providerOptions.bedrock` (or the instance name): Converse members (`guardrailConfig`,
 * `performanceConfig`, `requestMetadata`, `outputConfig`, `additionalModelRequestFields`...) are
 * merged into the request, any other key becomes a model-native field in
 * `additionalModelRequestFields`. On a part, message or tool, `{ cachePoint: true }` adds a cache point.
 *
 * JSON output is carried by a forced `json` tool whose input becomes the text (finish reason `stop`).
 * Reasoning on Claude sets `thinking` with a budget per effort, added on top of `maxOutputTokens`.
 *
 * @example
 * ```ts
 * const provider = new BedrockProvider('bedrock', { type: 'bedrock', region: 'us-west-2' });
 * const result = await provider.generate({ modelId: 'us.anthropic.claude-sonnet-4-20250514-v1:0', prompt, abortSignal: AbortSignal.timeout(60_000) });
 * ```
 */
export class BedrockProvider implements Provider {
  readonly type = 'bedrock' as const;
  readonly maxEmbeddingsPerCall = COHERE_MAX_TEXTS;
  private readonly optionKeys: readonly string[];
  private readonly clients = new Map<string, Promise<BedrockRuntimeClient>>();

  constructor(
    readonly name: string,
    private readonly config: ProviderConfig,
  ) {
    this.optionKeys = name === 'bedrock' ? ['bedrock'] : ['bedrock', name];
  }

  async generate(call: ProviderCall): Promise<ProviderGenerateResult> {
    const auth = resolveAuth(this.config, call.credentials);
    const prepared = buildConverseInput(call, this.optionKeys);
    try {
      const [sdk, client] = await Promise.all([loadBedrockSdk(), this.client(auth, call.credentials)]);
      const command = new sdk.ConverseCommand(prepared.input);
      addHeaders(command.middlewareStack as unknown as Parameters<typeof addHeaders>[0], call.headers);
      const response = await client.send(command, { abortSignal: call.abortSignal });
      const invokedModelId = response.trace?.promptRouter?.invokedModelId;
      const content = convertContent(response.output?.message?.content ?? [], prepared.jsonMode);
      return {
        content,
        finishReason: finishReason(
          response.stopReason,
          prepared.jsonMode,
          content.some((part) => part.type === 'tool-call'),
        ),
        usage: bedrockUsage(
          response.usage,
          content.some((part) => part.type === 'reasoning'),
        ),
        warnings: prepared.warnings,
        responseId: response.$metadata.requestId,
        responseModelId: invokedModelId ?? call.modelId,
        ...(response.metrics?.latencyMs === undefined
          ? {}
          : { providerMetadata: { bedrock: { latencyMs: response.metrics.latencyMs } } }),
      };
    } catch (error) {
      throw bedrockError(error, this.name, call.abortSignal, authSecrets(auth));
    }
  }

  /** Builds the configured client (its SDK loaded), so that the first call loads nothing. */
  async warm(): Promise<void> {
    const client = Promise.resolve().then(() => this.client(resolveAuth(this.config, undefined), undefined));
    await warmUp(loadBedrockSdk(), client);
  }

  async stream(call: ProviderCall): Promise<ProviderStreamResult> {
    const auth = resolveAuth(this.config, call.credentials);
    const secrets = authSecrets(auth);
    const prepared = buildConverseInput(call, this.optionKeys);
    // The upstream connection is cut when the caller aborts, and also when the consumer stops reading early.
    const upstream = linkedAbort(call.abortSignal);
    let response: ConverseStreamCommandOutput;
    try {
      const [sdk, client] = await Promise.all([loadBedrockSdk(), this.client(auth, call.credentials)]);
      const command = new sdk.ConverseStreamCommand(prepared.input as ConverseStreamCommandInput);
      addHeaders(command.middlewareStack as unknown as Parameters<typeof addHeaders>[0], call.headers);
      response = await client.send(command, { abortSignal: upstream.signal });
    } catch (error) {
      upstream.release(false);
      throw bedrockError(error, this.name, call.abortSignal, secrets);
    }
    const events = response.stream;
    const name = this.name;
    async function* parts(): AsyncGenerator<StreamPart> {
      let complete = false;
      try {
        yield { type: 'stream-start', warnings: prepared.warnings };
        yield { type: 'response-metadata', id: response.$metadata.requestId, modelId: call.modelId };
        yield* convertStream(events ?? emptyEvents(), { jsonMode: prepared.jsonMode, provider: name });
        complete = true;
      } catch (error) {
        throw bedrockError(error, name, call.abortSignal, secrets);
      } finally {
        upstream.release(!complete);
      }
    }
    const stream = parts();
    const stop = stream.return.bind(stream);
    stream.return = (value) => {
      upstream.release(true); // also when the stream is dropped before its first part
      return stop(value);
    };
    return { stream, warnings: prepared.warnings };
  }

  async embed(call: ProviderEmbedCall): Promise<ProviderEmbedResult> {
    const auth = resolveAuth(this.config, call.credentials);
    try {
      const [sdk, client] = await Promise.all([loadBedrockSdk(), this.client(auth, call.credentials)]);
      return await embedWithBedrock(sdk, client, call, readOptions(call.providerOptions, this.optionKeys));
    } catch (error) {
      throw bedrockError(error, this.name, call.abortSignal, authSecrets(auth));
    }
  }

  /** Generates images with Nova Canvas or Titan Image Generator (InvokeModel, `TEXT_IMAGE`). */
  async generateImage(call: ProviderImageCall): Promise<ProviderImageResult> {
    const auth = resolveAuth(this.config, call.credentials);
    try {
      const [sdk, client] = await Promise.all([loadBedrockSdk(), this.client(auth, call.credentials)]);
      return await generateBedrockImages(sdk, client, call, readOptions(call.providerOptions, this.optionKeys));
    } catch (error) {
      throw bedrockError(error, this.name, call.abortSignal, authSecrets(auth));
    }
  }

  /** Nova Canvas and Titan make up to five images per call. */
  maxImagesPerCall(): number {
    return BEDROCK_MAX_IMAGES;
  }

  /** Reranks with Cohere Rerank or Amazon Rerank (InvokeModel). */
  async rerank(call: ProviderRerankCall): Promise<ProviderRerankResult> {
    const auth = resolveAuth(this.config, call.credentials);
    try {
      const [sdk, client] = await Promise.all([loadBedrockSdk(), this.client(auth, call.credentials)]);
      return await rerankWithBedrock(sdk, client, call, readOptions(call.providerOptions, this.optionKeys));
    } catch (error) {
      throw bedrockError(error, this.name, call.abortSignal, authSecrets(auth));
    }
  }

  /** The configured client (or the injected one), or a cached per-credentials client for BYOK calls. */
  private client(auth: BedrockAuth, credentials: ProviderCredentials | undefined): Promise<BedrockRuntimeClient> {
    const key = credentials ? authKey(auth) : 'default';
    const cached = this.clients.get(key);
    if (cached) return cached;
    const injected = key === 'default' ? (this.config.client as BedrockRuntimeClient | undefined) : undefined;
    const created = injected ? Promise.resolve(injected) : createBedrockClient(this.config, auth, this.name);
    if (this.clients.size >= MAX_CACHED_CLIENTS) {
      const oldest = [...this.clients.keys()].find((candidate) => candidate !== 'default');
      if (oldest) this.clients.delete(oldest);
    }
    this.clients.set(key, created);
    created.catch(() => this.clients.delete(key));
    return created;
  }
}

/**
 * An abort signal that follows the caller's and can also be fired on its own; `release(true)` fires
 * it (to close the upstream connection), `release(false)` only detaches it. Idempotent.
 */
function linkedAbort(caller: AbortSignal): { signal: AbortSignal; release(abort: boolean): void } {
  const controller = new AbortController();
  const forward = (): void => controller.abort(caller.reason);
  if (caller.aborted) forward();
  else caller.addEventListener('abort', forward, { once: true });
  let released = false;
  return {
    signal: controller.signal,
    release(abort) {
      if (released) return;
      released = true;
      caller.removeEventListener('abort', forward);
      if (abort && !controller.signal.aborted) controller.abort(new Error('The stream consumer stopped reading'));
    },
  };
}

async function* emptyEvents(): AsyncGenerator<never> {
  // A ConverseStream answer without an event stream: convertStream reports it as cut short.
}

/**
 * Builds a Bedrock provider from its config.
 *
 * @example
 * ```ts
 * const provider = await createBedrockProvider('bedrock', { type: 'bedrock', region: 'eu-central-1', credentials: { accessKeyId, secretAccessKey } });
 * ```
 */
export const createBedrockProvider: ProviderFactory = async (name: string, config: ProviderConfig) =>
  new BedrockProvider(name, config);
