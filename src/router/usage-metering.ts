/**
 * Usage metering: the token arithmetic of a billable attempt, written once. A vendor's `Usage` (with the
 * counts it left out estimated) becomes the billable counts, their cost, and the `usage` event.
 *
 * @module
 */
import { computeCost, withUnitCost, type BillableUnits } from '../billing/cost.js';
import type { CostBreakdown, UsageEvent } from '../core/events.js';
import type { NormalizedRequest } from './router-types.js';
import { estimatePromptTokens } from '../core/tokens.js';
import type { ContentPart, FinishReason, Usage } from '../core/types.js';
import type { OpenAttempt } from './attempts.js';
import type { PipelineRun } from './request-run.js';

/**
 * The billable token counts of a usage, unknown values as 0: the split the usage event, the billing
 * records and every dialect report.
 *
 * @example
 * ```ts
 * tokenCounts(result.usage); // { input: 120, noCacheInput: 20, cacheRead: 100, cacheWrite: 0, output: 40, reasoning: 10 }
 * ```
 */
export function tokenCounts(usage: Usage): TokenCounts {
  const cacheRead = usage.inputTokens.cacheRead ?? 0;
  const cacheWrite = usage.inputTokens.cacheWrite ?? 0;
  const input = usage.inputTokens.total ?? (usage.inputTokens.noCache ?? 0) + cacheRead + cacheWrite;
  const reasoning = usage.outputTokens.reasoning ?? 0;
  return {
    input,
    noCacheInput: usage.inputTokens.noCache ?? Math.max(0, input - cacheRead - cacheWrite),
    cacheRead,
    cacheWrite,
    output: usage.outputTokens.total ?? (usage.outputTokens.text ?? 0) + reasoning,
    reasoning,
  };
}

/**
 * The billable token counts of one attempt (see {@link tokenCounts}).
 *
 * @example
 * ```ts
 * const counts: TokenCounts = { input: 12, noCacheInput: 12, cacheRead: 0, cacheWrite: 0, output: 3, reasoning: 0 };
 * ```
 */
export interface TokenCounts {
  input: number;
  noCacheInput: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
}

/**
 * Whether a vendor's usage lacks a total the gateway bills by (then it is estimated).
 *
 * @example
 * ```ts
 * if (needsEstimate(value.usage)) usage = estimateUsage(value.usage, request, value.content);
 * ```
 */
export function needsEstimate(usage: Usage | undefined): boolean {
  return !usage || usage.inputTokens.total === undefined || usage.outputTokens.total === undefined;
}

/**
 * A usage with the counts the vendor left out estimated: input from the prompt, output from the content
 * (about four characters a token).
 *
 * @example
 * ```ts
 * const usage = estimateUsage(undefined, request, content); // a stream cut before its finish
 * ```
 */
export function estimateUsage(
  usage: Usage | undefined,
  request: NormalizedRequest,
  content: readonly ContentPart[],
): Usage {
  const input = usage?.inputTokens;
  const output = usage?.outputTokens;
  const inputTotal = input?.total ?? estimatePromptTokens(request.prompt, request.tools);
  let outputCharacters = 0;
  for (const part of content) {
    if (part.type === 'text' || part.type === 'reasoning') outputCharacters += part.text.length;
    else if (part.type === 'tool-call') outputCharacters += part.toolName.length + part.input.length;
  }
  const outputTotal = output?.total ?? Math.ceil(outputCharacters / 4);
  const cacheRead = input?.cacheRead ?? 0;
  const cacheWrite = input?.cacheWrite ?? 0;
  const reasoning = output?.reasoning ?? 0;
  return {
    inputTokens: {
      total: inputTotal,
      noCache: input?.noCache ?? inputTotal - cacheRead - cacheWrite,
      cacheRead,
      cacheWrite,
    },
    outputTokens: { total: outputTotal, text: output?.text ?? outputTotal - reasoning, reasoning },
  };
}

/**
 * The usage of an embedding call: its input tokens, nothing else.
 *
 * @example
 * ```ts
 * embeddingUsage(12); // { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 0, ... } }
 * ```
 */
export function embeddingUsage(tokens: number): Usage {
  return {
    inputTokens: { total: tokens, noCache: tokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 0, text: 0, reasoning: 0 },
  };
}

/**
 * What an operation measured of one attempt: its usage (estimated where the vendor gave none) and how it ended.
 *
 * @example
 * ```ts
 * const metered: Metered = generateOperation.meter(run, value);
 * ```
 */
export interface Metered {
  usage: Usage;
  estimated: boolean;
  finishReason: FinishReason;
  /** The output tokens for the health statistics (tokens per second); undefined for embeddings. */
  outputTokens: number | undefined;
  responseId: string | undefined;
  timeToFirstTokenMs: number | undefined;
  /** What the attempt bills beyond tokens (images, search units); absent for language and embeddings. */
  units?: BillableUnits;
}

/**
 * The `usage` event of a billable attempt, with its cost at the offering's list price.
 *
 * @example
 * ```ts
 * router.emit('usage', usageEventOf(run, opened, metered));
 * ```
 */
export function usageEventOf(run: PipelineRun, attempt: OpenAttempt<unknown>, metered: Metered): UsageEvent {
  const counts = tokenCounts(metered.usage);
  const { candidate, record } = attempt;
  const cacheWriteOneHour = metered.usage.inputTokens.cacheWriteOneHour;
  let cost: CostBreakdown = computeCost(
    {
      noCacheInput: counts.noCacheInput,
      cacheRead: counts.cacheRead,
      cacheWrite: counts.cacheWrite,
      cacheWriteOneHour,
      output: counts.output,
    },
    candidate.offering.pricing,
  );
  const units = metered.units;
  if (units) cost = withUnitCost(cost, units, candidate.offering.pricing);
  // Written out field by field (no spreads): this object is built on every request.
  const event: UsageEvent = {
    requestId: run.requestId,
    attempt: attempt.number,
    generationId: run.generationId,
    model: candidate.model,
    provider: candidate.provider,
    providerType: candidate.providerType,
    providerModelId: candidate.providerModelId,
    credentialType: record.credentialType,
    inputTokens: counts.input,
    noCacheInputTokens: counts.noCacheInput,
    cacheReadTokens: counts.cacheRead,
    cacheWriteTokens: counts.cacheWrite,
    outputTokens: counts.output,
    reasoningTokens: counts.reasoning,
    cost,
    estimated: metered.estimated,
    latencyMs: record.latencyMs,
    streamed: run.streamed,
    finishReason: metered.finishReason.unified,
    user: run.user,
    tags: run.tags,
    metadata: run.metadata,
    account: run.account,
    timestamp: record.endTime,
    operation: run.operation,
  };
  if (metered.timeToFirstTokenMs !== undefined) event.timeToFirstTokenMs = metered.timeToFirstTokenMs;
  if (cacheWriteOneHour) event.cacheWriteOneHourTokens = cacheWriteOneHour;
  if (attempt.keyFingerprint !== undefined) event.keyFingerprint = attempt.keyFingerprint;
  if (units?.images !== undefined) event.images = units.images;
  if (units?.searchUnits !== undefined) event.searchUnits = units.searchUnits;
  return event;
}

/**
 * What an attempt cancelled before it answered consumed, as far as the gateway can tell: the prompt it
 * sent (estimated), no output; `estimated`, since the vendor sent no count. A hedge's cancelled attempt is
 * billed with it.
 *
 * @example
 * ```ts
 * const metered = unansweredUsage(run); // metered.estimated === true, metered.outputTokens === 0
 * ```
 */
export function unansweredUsage(run: PipelineRun): Metered {
  const usage = estimateUsage(undefined, run.request, []);
  return {
    usage,
    estimated: true,
    finishReason: { unified: 'other', raw: 'aborted' },
    outputTokens: 0,
    responseId: undefined,
    timeToFirstTokenMs: undefined,
  };
}
