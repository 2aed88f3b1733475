/**
 * The typed event map of the router (eventemitter3).
 *
 * @module
 */
import type { GatewayError, GatewayErrorCode } from './errors.js';
import type { FinishReason } from './types.js';

/** Who paid for an attempt: the gateway's configured credentials, or the caller's own (BYOK). */
export type CredentialType = 'system' | 'byok';

/**
 * The account a request is billed to (set by the HTTP handler from the gateway API key, or by an
 * in-process caller).
 *
 * @example
 * ```ts
 * const account: AccountReference = { id: 'team_acme', user: 'alice', apiKeyId: 'key_1' };
 * ```
 */
export interface AccountReference {
  /** The account (team) id. */
  id: string;
  /** The end user inside the account, when known. */
  user?: string;
  /** The gateway API key's id (never the key itself). */
  apiKeyId?: string;
}

/**
 * Cost of an attempt in integer nano-dollars (1 USD = 1e9), split by token kind, at the offering's
 * list price with zero markup.
 *
 * @example
 * ```ts
 * const cost: CostBreakdown = { input: 2_500, output: 10_000, cacheRead: 0, cacheWrite: 0, total: 12_500 };
 * ```
 */
export interface CostBreakdown {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Images priced per image (`Pricing.image`), present for image generation. */
  images?: number;
  /** Search units priced per unit (`Pricing.searchUnit`), present for reranking. */
  searchUnits?: number;
  total: number;
}

/**
 * One attempt of a request, as recorded in results, errors and events.
 *
 * @example
 * ```ts
 * const attempt: AttemptRecord = { provider: 'openai', providerType: 'openai', providerModelId: 'gpt-4o', model: 'openai/gpt-4o', outcome: 'success', latencyMs: 120, credentialType: 'system', startTime: 0, endTime: 120 };
 * ```
 */
export interface AttemptRecord {
  provider: string;
  providerType: string;
  providerModelId: string;
  model: string;
  outcome: 'success' | 'error' | 'aborted';
  /** HTTP-like status of the outcome (200 on success). */
  status?: number;
  code?: GatewayErrorCode;
  latencyMs: number;
  timeToFirstTokenMs?: number;
  credentialType: CredentialType;
  /** Epoch milliseconds. */
  startTime: number;
  endTime: number;
  providerResponseId?: string;
  /** 0 for the first try of an offering, 1.. for retries. */
  retry?: number;
}

/**
 * The `usage` event: fired exactly once per billable attempt.
 *
 * @example
 * ```ts
 * router.on('usage', (event: UsageEvent) => billing.record(event.account?.id, event.cost.total));
 * ```
 */
export interface UsageEvent {
  requestId: string;
  /** The attempt's number within its request, from 0 (the same as its `AttemptPlan.attempt`). */
  attempt: number;
  generationId: string;
  model: string;
  provider: string;
  providerType: string;
  providerModelId: string;
  credentialType: CredentialType;
  inputTokens: number;
  /** Input tokens billed at the plain input price (total minus cache reads and writes). */
  noCacheInputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /**
   * Of `cacheWriteTokens`, those written with a 1-hour lifetime (priced at `Pricing.cacheWriteOneHour`);
   * present when the vendor reported some (Anthropic, Bedrock).
   */
  cacheWriteOneHourTokens?: number;
  outputTokens: number;
  reasoningTokens: number;
  cost: CostBreakdown;
  /** True when a count was estimated because the vendor gave none (aborted or failed streams). */
  estimated: boolean;
  latencyMs: number;
  timeToFirstTokenMs?: number;
  streamed: boolean;
  finishReason: FinishReason['unified'];
  user?: string;
  tags: string[];
  metadata: Record<string, string>;
  account?: AccountReference;
  /** Epoch milliseconds when the attempt ended. */
  timestamp: number;
  /** The fingerprint of the pooled provider key that served (`apiKeys: [...]`); absent with a single key. */
  keyFingerprint?: string;
  /** Images generated (`operation: 'image'`), each priced at `Pricing.image` unless the vendor bills tokens. */
  images?: number;
  /** Search units billed (`operation: 'rerank'`): a query with up to 100 documents is one. */
  searchUnits?: number;
  /** The kind of call: a language model, an embedding model, an image model or a reranking model. */
  operation: 'generate' | 'stream' | 'embed' | 'image' | 'rerank';
}

/**
 * The `guardrail` event: a guardrail acted on a request or its answer. It carries counts, never the matched
 * content.
 *
 * @example
 * ```ts
 * const event: GuardrailEvent = { requestId: 'req_1', phase: 'input', guardrail: 'pii', detector: 'email', action: 'redact', count: 2 };
 * ```
 */
export interface GuardrailEvent {
  requestId: string;
  /** `input`: the request on its way upstream; `output`: the answer on its way back. */
  phase: 'input' | 'output';
  /** The guardrail's configured name. */
  guardrail: string;
  /** The detector that matched (`email`, `deny`, `max-input-tokens`, a custom check's name...). */
  detector: string;
  action: 'block' | 'redact' | 'warn';
  /** How many matches in this phase (1 for a limit or a check). */
  count: number;
  account?: AccountReference;
}

/**
 * The `cache` event: what the response cache did for one request (never any content).
 *
 * @example
 * ```ts
 * router.on('cache', (event: CacheEvent) => { if (event.outcome === 'hit') saved += event.savedCostNano ?? 0; });
 * ```
 */
export interface CacheEvent {
  requestId: string;
  /** `exact`: the same canonical request; `semantic`: a request of the same meaning (its user content's embedding). */
  kind: 'exact' | 'semantic';
  /** `hit`: answered from the cache; `miss`: not there; `store`: the answer was stored; `skip`: not consulted. */
  outcome: 'hit' | 'miss' | 'store' | 'skip';
  operation: UsageEvent['operation'];
  model: string;
  /** The first 16 hex digits of the entry's key (for embeddings, of the first value's). */
  key?: string;
  account?: AccountReference;
  /**
   * On a hit: what the stored answer cost when it was made, in nano-dollars, at the price of the offering that made it.
   */
  savedCostNano?: number;
  /** On a hit: how old the entry is, in whole seconds. */
  ageSeconds?: number;
  /** For embeddings: how many values were answered from the cache, and how many were asked. */
  values?: { hits: number; total: number };
  /** On a skip: why (`request`, `when`, `no-store`...). */
  reason?: string;
  /** Semantic: the best similarity found (on a hit, the entry's; on a miss, the nearest below the threshold). */
  similarity?: number;
  /** Semantic, on a hit: the id of the entry that answered. */
  entryId?: string;
}

/**
 * A change of a pooled provider key's state (`apiKeys: [...]`), named by its fingerprint (the first 12 hex
 * digits of its SHA-256), never by the key.
 *
 * @example
 * ```ts
 * router.on('key', (event) => console.warn(event.provider, event.keyFingerprint, event.state, event.code));
 * ```
 */
export interface KeyStateChange {
  provider: string;
  keyFingerprint: string;
  /** `cooling`: a 429, used again from `until`; `revoked`: a 401/403, out until the process restarts. */
  state: 'cooling' | 'revoked';
  /** When a cooling key is used again (epoch ms). */
  until?: number;
  /** The vendor's HTTP status. */
  status?: number;
  code: string;
}

/**
 * The router's events.
 *
 * @example
 * ```ts
 * router.on('fallback', (event) => console.log(`${event.from.provider} failed (${event.code}), trying ${event.to.provider}`));
 * ```
 */
export interface RouterEvents {
  /** A pooled provider key changed state: cooling down after a 429, or revoked after a 401/403. */
  key: [event: KeyStateChange];
  /** A request arrived and its candidates were ordered. */
  request: [
    event: {
      requestId: string;
      model: string;
      streamed: boolean;
      operation: UsageEvent['operation'];
      candidates: Array<{ provider: string; providerModelId: string; model: string }>;
      user?: string;
      tags: string[];
      account?: AccountReference;
    },
  ];
  /** An attempt ended (success or failure). */
  attempt: [event: AttemptRecord & { requestId: string }];
  /** The router moved on from a failed offering to the next one. */
  fallback: [
    event: {
      requestId: string;
      from: { provider: string; model: string; providerModelId: string };
      to: { provider: string; model: string; providerModelId: string };
      code: GatewayErrorCode;
      message: string;
    },
  ];
  /** One billable attempt's usage and cost. */
  usage: [event: UsageEvent];
  /** A request succeeded. */
  response: [
    event: {
      requestId: string;
      generationId: string;
      model: string;
      provider: string;
      providerModelId: string;
      finishReason: FinishReason['unified'];
      latencyMs: number;
      streamed: boolean;
      attempts: AttemptRecord[];
    },
  ];
  /** A request failed for good. */
  error: [event: { requestId: string; model: string; error: GatewayError; attempts: AttemptRecord[] }];
  /** An offering's breaker changed state. */
  health: [
    event: {
      provider: string;
      providerModelId: string;
      state: 'closed' | 'open' | 'half-open';
      previousState: 'closed' | 'open' | 'half-open';
      reason: string;
    },
  ];
  /** A soft budget limit was crossed (fired by the billing layer). */
  budget: [
    event: { accountId: string; scope: string; limitNano: number; spentNano: number; period: string; hard: boolean },
  ];
  /** The response cache answered, missed, stored or skipped a request. */
  cache: [event: CacheEvent];
  /** A listener threw or rejected; the request was not affected. */
  'listener-error': [event: { event: string; error: unknown }];
  /** A guardrail blocked, redacted or warned (fired by the guardrails middleware). */
  guardrail: [event: GuardrailEvent];
  /** Something degraded but the gateway carried on (a store unreachable under fail-open, auth off...). */
  warning: [event: { code: string; message: string }];
}

/** Event names. @example `'usage'` */
export type RouterEventName = keyof RouterEvents;
