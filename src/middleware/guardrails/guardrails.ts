/**
 * `guardrails(config)`: a request middleware that checks the request on its way upstream (input) and the
 * answer on its way back (output, streams included), and blocks, redacts or warns.
 *
 * @module
 */
import { GatewayError } from '../../core/errors.js';
import type { AccountReference, GuardrailEvent } from '../../core/events.js';
import { randomUUID } from 'node:crypto';
import type { GenerateResult, ToolCall } from '../../router/router-types.js';
import { estimatePromptTokens } from '../../core/tokens.js';
import {
  CONTENT_PART_TYPES,
  type ContentPart,
  type GenerateRequest,
  type JsonValue,
  type Message,
  type StreamPart,
  type ToolResultOutput,
} from '../../core/types.js';
import type { PipelineStream, RequestMiddleware, RequestRun } from '../middleware.js';
import {
  builtInDetector,
  isBuiltInDetectorName,
  PII_DETECTORS,
  SECRET_DETECTORS,
  type BuiltInDetectorName,
  type Detector,
} from './detectors.js';
import { denyDetector, type AllowPattern, type DenyPattern } from './lists.js';
import { PlaceholderVault, TextGuard, type GuardrailAction, type GuardRule } from './text-guard.js';

/** When a guardrail looks: at the request (`input`) or at the answer (`output`). @example `['input', 'output']` */
export type GuardrailPhase = 'input' | 'output';

/**
 * A detector of a guardrail: a built-in one by name, a group (`pii`: email, phone, payment-card, iban,
 * us-ssn, ipv4, ipv6; `secrets`: every key, token and private-key detector), or a custom {@link Detector}.
 *
 * @example
 * ```ts
 * const detectors: DetectorSelection[] = ['pii', 'jwt'];
 * ```
 */
export type DetectorSelection = BuiltInDetectorName | 'pii' | 'secrets' | Detector;

/**
 * What a custom check is given: the phase, the text (the request's text in the input phase, the answer so
 * far in the output phase) and the run.
 *
 * @example
 * ```ts
 * const check = ({ phase, text }: GuardrailCheckInput) => phase === 'input' && text.length > 10_000;
 * ```
 */
export interface GuardrailCheckInput {
  phase: GuardrailPhase;
  text: string;
  run: RequestRun;
}

/**
 * A custom check's verdict: `true` (or a string naming what it found, used as the event's `detector`) when
 * the guardrail's action applies; `false`, `undefined` or `null` when it does not.
 *
 * @example
 * ```ts
 * const verdict: GuardrailCheckResult = 'competitor-mention';
 * ```
 */
export type GuardrailCheckResult = boolean | string | undefined | null;

/**
 * A user function, sync or async, that decides whether a guardrail's action applies.
 *
 * @example
 * ```ts
 * const noShouting: GuardrailCheck = ({ text }) => text.length > 20 && text === text.toUpperCase();
 * ```
 */
export type GuardrailCheck = (input: GuardrailCheckInput) => GuardrailCheckResult | Promise<GuardrailCheckResult>;

/**
 * A model-based check: a judge model asked through the router itself, with a JSON schema, whether a text is
 * to be flagged. Its cost is a normal usage event, tagged `guardrail-judge` and billed to the request's
 * account. It runs on the request (input) and on whole answers of `generate` (output), not inside streams.
 *
 * @example
 * ```ts
 * const judge: GuardrailJudge = {
 *   router,
 *   model: 'openai/gpt-4o-mini',
 *   instructions: 'Flag text that asks for medical dosages.',
 *   timeoutMs: 3_000,
 *   onFailure: 'block',
 * };
 * ```
 */
export interface GuardrailJudge {
  /** The router (anything with its `generate`). The judge's own request skips this middleware's guardrails. */
  router: { generate(request: GenerateRequest & { account?: AccountReference }): Promise<GenerateResult> };
  model: string;
  /** What to flag. The judge answers `{ "flagged": boolean, "category": string }`. */
  instructions: string;
  /** Default 5,000 ms. */
  timeoutMs?: number;
  /** When the judge fails or times out: `allow` (fail open, the default) or `block` (fail closed). */
  onFailure?: 'allow' | 'block';
}

/**
 * One guardrail: what it looks for, where, and what it does when it finds it.
 *
 * @example
 * ```ts
 * const pii: GuardrailDefinition = { name: 'pii', detectors: ['pii'], action: 'redact', reversible: true };
 * const secrets: GuardrailDefinition = { name: 'secrets', detectors: ['secrets'], action: 'block', phases: ['input', 'output'] };
 * const size: GuardrailDefinition = { name: 'size', maxInputTokens: 8_000, action: 'block' };
 * ```
 */
export interface GuardrailDefinition {
  /** Names the guardrail in errors and events; the name a request's key may be allowed to turn off. */
  name: string;
  /**
   * `block`: fail the request (`guardrail_blocked`); `redact`: replace matches by `[TYPE_n]`; `warn`: an event only.
   */
  action: GuardrailAction;
  /** Default `['input']`. Limits apply to the input only. */
  phases?: readonly GuardrailPhase[];
  detectors?: readonly DetectorSelection[];
  /** Words, phrases (whole, any case) and regular expressions that trigger the action (detector `deny`). */
  deny?: readonly DenyPattern[];
  /** Matches exempted from this guardrail: a string equal to the match (any case), or a regex tested on it. */
  allow?: readonly AllowPattern[];
  /**
   * The most input tokens (estimated as `src/core/tokens.ts` does) a request may carry (detector `max-input-tokens`).
   */
  maxInputTokens?: number;
  /** The most characters of text a request may carry (detector `max-input-characters`). */
  maxInputCharacters?: number;
  /** A custom check (detector `check`, or the name it returns). Not with `redact`. */
  check?: GuardrailCheck;
  /**
   * A model-based check (detector `judge`, or `judge:<category>`; `judge-failed` when it failed closed). Not with
   * `redact`.
   */
  judge?: GuardrailJudge;
  /** With `redact`: the placeholders in the answer are restored to the originals for the caller. */
  reversible?: boolean;
  /** Only for these models (`openai/gpt-4o`, `anthropic/*`); every model when absent. */
  models?: readonly string[];
}

/**
 * Guardrails of one account (added to the gateway's).
 *
 * @example
 * ```ts
 * const scope: GuardrailAccountScope = { guardrails: [{ name: 'acme-deny', deny: ['project falcon'], action: 'block' }] };
 * ```
 */
export interface GuardrailAccountScope {
  guardrails?: readonly GuardrailDefinition[];
}

/**
 * Guardrails of one API key (added to the gateway's and its account's), and which of them a request made
 * with the key may turn off (`providerOptions.gateway.guardrails.disable`). A request cannot turn off a
 * guardrail its key does not list here.
 *
 * @example
 * ```ts
 * const scope: GuardrailKeyScope = { mayDisable: ['pii'] };
 * ```
 */
export interface GuardrailKeyScope extends GuardrailAccountScope {
  /** Guardrail names (of any level) this key's requests may turn off; `'*'` for all. */
  mayDisable?: readonly string[];
}

/**
 * The guardrails middleware's configuration: per gateway (`guardrails`), per account (by account id), per
 * API key (by key id, never the key) and per model (`models` on a guardrail).
 *
 * @example
 * ```ts
 * const config: GuardrailsConfig = {
 *   guardrails: [{ name: 'pii', detectors: ['pii'], action: 'redact', reversible: true }],
 *   accounts: { team_acme: { guardrails: [{ name: 'secrets', detectors: ['secrets'], action: 'block' }] } },
 *   apiKeys: { key_ci: { mayDisable: ['pii'] } },
 *   onEvent: (event) => router.emit('guardrail', event),
 * };
 * ```
 */
export interface GuardrailsConfig {
  guardrails?: readonly GuardrailDefinition[];
  accounts?: Readonly<Record<string, GuardrailAccountScope>>;
  apiKeys?: Readonly<Record<string, GuardrailKeyScope>>;
  /** The most characters of an answer a stream holds back to find a match that spans deltas (default 256). */
  streamHoldBack?: number;
  /** The longest match assumed for a deny regular expression, in characters (default 128). */
  denyRegexMaxLength?: number;
  /** Receives every `guardrail` event (no content); `router.emit('guardrail', event)` re-emits on the router. */
  onEvent?: (event: GuardrailEvent) => void;
}

interface CompiledGuardrail {
  readonly name: string;
  readonly action: GuardrailAction;
  readonly input: boolean;
  readonly output: boolean;
  readonly rules: readonly GuardRule[];
  readonly maxInputTokens: number | undefined;
  readonly maxInputCharacters: number | undefined;
  readonly check: GuardrailCheck | undefined;
  /** Whether the check runs on stream deltas too (not a judge's). */
  readonly checkStreams: boolean;
  readonly models: RegExp | undefined;
}

type DeltaPart = Extract<StreamPart, { type: 'text-delta' | 'reasoning-delta' | 'tool-input-delta' }>;

interface RequestState {
  readonly active: readonly CompiledGuardrail[];
  readonly vault: PlaceholderVault;
  readonly counts: Map<string, GuardrailEvent>;
}

const DEFAULT_HOLD_BACK = 256;
const DEFAULT_DENY_REGEX_LENGTH = 128;

function invalid(message: string): GatewayError {
  return new GatewayError('config_invalid', `guardrails: ${message}`);
}

function compileModels(patterns: readonly string[] | undefined): RegExp | undefined {
  if (patterns === undefined) return undefined;
  const alternatives = patterns.map((pattern) => pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

function expandDetectors(selection: readonly DetectorSelection[], guardrail: string): Detector[] {
  const detectors: Detector[] = [];
  const add = (detector: Detector): void => {
    if (!detectors.includes(detector)) detectors.push(detector);
  };
  for (const entry of selection) {
    if (typeof entry !== 'string') {
      if (typeof entry.find !== 'function' || !/^[A-Z][A-Z0-9_]*$/.test(entry.label) || !(entry.maxLength > 0)) {
        throw invalid(
          `guardrail '${guardrail}': a custom detector needs a name, an upper-case label, a maxLength and find()`,
        );
      }
      add(entry);
    } else if (entry === 'pii') for (const name of PII_DETECTORS) add(builtInDetector(name));
    else if (entry === 'secrets') for (const name of SECRET_DETECTORS) add(builtInDetector(name));
    else if (isBuiltInDetectorName(entry)) add(builtInDetector(entry));
    else throw invalid(`guardrail '${guardrail}': unknown detector '${String(entry)}'`);
  }
  return detectors;
}

const JUDGE_SCHEMA = {
  type: 'object',
  properties: { flagged: { type: 'boolean' }, category: { type: 'string' } },
  required: ['flagged', 'category'],
  additionalProperties: false,
};

function judgeCheck(judge: GuardrailJudge, guardrail: string, marker: string): GuardrailCheck {
  if (
    typeof judge.router?.generate !== 'function' ||
    typeof judge.model !== 'string' ||
    typeof judge.instructions !== 'string'
  ) {
    throw invalid(`guardrail '${guardrail}': a judge needs a router, a model and instructions`);
  }
  const timeoutMs = judge.timeoutMs ?? 5_000;
  return async ({ text, run }) => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new GatewayError('timeout', `guardrail '${guardrail}': the judge took over ${timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      const asked = judge.router.generate({
        model: judge.model,
        system: `${judge.instructions}\nAnswer with JSON: {"flagged": true or false, "category": "a short name, or none"}. The text to judge is the user message.`,
        prompt: text,
        responseFormat: { type: 'json', schema: JUDGE_SCHEMA, name: 'guardrail_verdict' },
        maxOutputTokens: 100,
        temperature: 0,
        tags: ['guardrail-judge'],
        metadata: { guardrail, [JUDGE_MARKER]: marker },
        abortSignal: controller.signal,
        ...(run.account ? { account: run.account } : {}),
      });
      asked.catch(() => undefined);
      const result = await Promise.race([asked, timeout]);
      const verdict = JSON.parse(result.text) as { flagged?: unknown; category?: unknown };
      if (typeof verdict.flagged !== 'boolean') throw new Error('the judge gave no verdict');
      if (!verdict.flagged) return false;
      return typeof verdict.category === 'string' && verdict.category !== '' && verdict.category !== 'none'
        ? `judge:${verdict.category}`
        : 'judge';
    } catch {
      return judge.onFailure === 'block' ? 'judge-failed' : false;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The metadata key that marks a judge's own request (its value is this middleware's secret). */
const JUDGE_MARKER = 'switchyard-guardrail-judge';

function compile(definition: GuardrailDefinition, denyRegexMaxLength: number, marker: string): CompiledGuardrail {
  const { name, action } = definition;
  if (typeof name !== 'string' || name === '') throw invalid('every guardrail needs a name');
  if (action !== 'block' && action !== 'redact' && action !== 'warn')
    throw invalid(`guardrail '${name}': action must be block, redact or warn`);
  const phases = definition.phases ?? ['input'];
  if (phases.length === 0 || phases.some((phase) => phase !== 'input' && phase !== 'output')) {
    throw invalid(`guardrail '${name}': phases are 'input' and 'output'`);
  }
  const detectors = expandDetectors(definition.detectors ?? [], name);
  if (definition.deny !== undefined && definition.deny.length > 0)
    detectors.push(denyDetector(definition.deny, denyRegexMaxLength));
  const limited = definition.maxInputTokens !== undefined || definition.maxInputCharacters !== undefined;
  if (definition.check !== undefined && definition.judge !== undefined)
    throw invalid(`guardrail '${name}': a check or a judge, not both`);
  const check = definition.judge === undefined ? definition.check : judgeCheck(definition.judge, name, marker);
  if (detectors.length === 0 && !limited && check === undefined) {
    throw invalid(`guardrail '${name}': give it detectors, deny patterns, a limit, a check or a judge`);
  }
  if (action === 'redact' && detectors.length === 0)
    throw invalid(`guardrail '${name}': redact needs detectors or deny patterns`);
  if (action === 'redact' && (limited || check !== undefined)) {
    throw invalid(
      `guardrail '${name}': limits and checks can block or warn, not redact (make them a guardrail of their own)`,
    );
  }
  if (definition.reversible === true && action !== 'redact')
    throw invalid(`guardrail '${name}': reversible is for redact`);
  for (const limit of [definition.maxInputTokens, definition.maxInputCharacters]) {
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
      throw invalid(`guardrail '${name}': limits are positive integers`);
  }
  const allow = definition.allow ?? [];
  const reversible = definition.reversible === true;
  return {
    name,
    action,
    input: phases.includes('input'),
    output: phases.includes('output'),
    rules: detectors.map((detector) => ({ guardrail: name, detector, action, allow, reversible })),
    maxInputTokens: definition.maxInputTokens,
    maxInputCharacters: definition.maxInputCharacters,
    check,
    checkStreams: definition.judge === undefined,
    models: compileModels(definition.models),
  };
}

function compileList(
  definitions: readonly GuardrailDefinition[] | undefined,
  denyRegexMaxLength: number,
  marker: string,
  where: string,
): CompiledGuardrail[] {
  const compiled = (definitions ?? []).map((definition) => compile(definition, denyRegexMaxLength, marker));
  const names = new Set<string>();
  for (const guardrail of compiled) {
    if (names.has(guardrail.name)) throw invalid(`two guardrails named '${guardrail.name}' in ${where}`);
    names.add(guardrail.name);
  }
  return compiled;
}

/** The request text of a message, part by part, rewritten by `guard` (undefined when nothing changed). */
function guardMessage(message: Message, guard: (text: string) => string): Message | undefined {
  if (message.role === 'system') {
    const content = guard(message.content);
    return content === message.content ? undefined : { ...message, content };
  }
  let changed = false;
  const content = message.content.map((part) => {
    if (part.type === 'text' || part.type === 'reasoning') {
      const text = guard(part.text);
      if (text === part.text) return part;
      changed = true;
      return { ...part, text };
    }
    if (part.type === 'tool-call') {
      // A tool call the model made earlier: its arguments go back to the vendor with the conversation.
      const input = guardJson(part.input, guard);
      if (input === part.input) return part;
      changed = true;
      return { ...part, input };
    }
    if (part.type === 'tool-result') {
      const output = guardToolOutput(part.output, guard);
      if (output === part.output) return part;
      changed = true;
      return { ...part, output };
    }
    return part;
  });
  return changed ? ({ ...message, content } as Message) : undefined;
}

/** A tool result's output with its text guarded: text, JSON string values, and the text items of content. */
function guardToolOutput(output: ToolResultOutput, guard: (text: string) => string): ToolResultOutput {
  switch (output.type) {
    case 'text':
    case 'error-text': {
      const value = guard(output.value);
      return value === output.value ? output : { ...output, value };
    }
    case 'json':
    case 'error-json': {
      const value = guardJson(output.value, guard) as JsonValue;
      return value === output.value ? output : { ...output, value };
    }
    case 'content': {
      let changed = false;
      const value = output.value.map((item) => {
        if (item.type !== 'text') return item;
        const text = guard(item.text);
        if (text === item.text) return item;
        changed = true;
        return { ...item, text };
      });
      return changed ? { ...output, value } : output;
    }
    default:
      return output;
  }
}

/**
 * A JSON value with every string in it (object keys excepted) guarded; the same object when nothing changed, so
 * that an untouched request is not copied.
 */
function guardJson(value: unknown, guard: (text: string) => string): unknown {
  if (typeof value === 'string') return guard(value);
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const guarded = guardJson(item, guard);
      if (guarded !== item) changed = true;
      return guarded;
    });
    return changed ? items : value;
  }
  if (typeof value === 'object' && value !== null) {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const guarded = guardJson(item, guard);
      if (guarded !== item) changed = true;
      return [key, guarded] as const;
    });
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}

function promptText(prompt: readonly Message[]): string {
  const texts: string[] = [];
  for (const message of prompt) guardMessage(message, (text) => (texts.push(text), text));
  return texts.join('\n');
}

function blockedError(guardrail: string, detector: string, phase: GuardrailPhase): GatewayError {
  const where = phase === 'input' ? 'The request was' : 'The answer was';
  return new GatewayError(
    'guardrail_blocked',
    `${where} blocked by guardrail '${guardrail}' (detector: ${detector}).`,
    {
      details: { guardrail, detector, phase },
    },
  );
}

function verdictDetector(verdict: GuardrailCheckResult): string | undefined {
  if (verdict === true) return 'check';
  if (typeof verdict === 'string' && verdict !== '') return verdict;
  return undefined;
}

/**
 * A result's tool call with the arguments its guarded `tool-call` part carries (parsed), so that `toolCalls` and
 * `content` agree; a call without such a part (or whose guarded text is not JSON) has its placeholders restored.
 */
function guardedToolCall(
  call: ToolCall,
  guardedInputs: ReadonlyMap<string, string>,
  vault: PlaceholderVault,
): ToolCall {
  const text = guardedInputs.get(call.toolCallId);
  if (text !== undefined) {
    try {
      return { ...call, input: text.trim() === '' ? {} : JSON.parse(text) };
    } catch {
      // Not JSON (a model's malformed arguments): the parsed input as it came, restored.
    }
  }
  return { ...call, input: restoreInput(call.input, vault) };
}

function restoreInput(input: unknown, vault: PlaceholderVault): unknown {
  if (typeof input === 'string') return vault.restore(input);
  if (Array.isArray(input)) return input.map((item) => restoreInput(item, vault));
  if (typeof input === 'object' && input !== null) {
    return Object.fromEntries(Object.entries(input).map(([key, value]) => [key, restoreInput(value, vault)]));
  }
  return input;
}

/**
 * The guardrails middleware: PII and secret detectors, deny and allow lists, input limits, custom checks and
 * prompt-injection heuristics, with the actions `block`, `redact` (reversible as an option) and `warn`, on
 * requests and on answers (streams included, holding back only as much text as a match can span).
 *
 * @example
 * ```ts
 * import { Router, guardrails } from 'switchyard';
 *
 * const router = new Router({
 *   providers: { openai: { apiKey: process.env.OPENAI_API_KEY } },
 *   middleware: [
 *     guardrails({
 *       guardrails: [
 *         { name: 'pii', detectors: ['pii'], action: 'redact', reversible: true },
 *         { name: 'secrets', detectors: ['secrets'], action: 'block', phases: ['input', 'output'] },
 *       ],
 *       onEvent: (event) => router.emit('guardrail', event),
 *     }),
 *   ],
 * });
 * ```
 */
export function guardrails(config: GuardrailsConfig): RequestMiddleware {
  const holdBack = config.streamHoldBack ?? DEFAULT_HOLD_BACK;
  if (!(Number.isInteger(holdBack) && holdBack >= 0)) throw invalid('streamHoldBack is a number of characters');
  const denyRegexMaxLength = config.denyRegexMaxLength ?? DEFAULT_DENY_REGEX_LENGTH;
  const marker = randomUUID();
  const gateway = compileList(config.guardrails, denyRegexMaxLength, marker, 'the gateway');
  const accounts = new Map<string, CompiledGuardrail[]>();
  for (const [id, scope] of Object.entries(config.accounts ?? {}))
    accounts.set(id, compileList(scope.guardrails, denyRegexMaxLength, marker, `account '${id}'`));
  const keys = new Map<string, { guardrails: CompiledGuardrail[]; mayDisable: ReadonlySet<string> }>();
  for (const [id, scope] of Object.entries(config.apiKeys ?? {})) {
    keys.set(id, {
      guardrails: compileList(scope.guardrails, denyRegexMaxLength, marker, `API key '${id}'`),
      mayDisable: new Set(scope.mayDisable ?? []),
    });
  }
  const states = new WeakMap<RequestRun, RequestState>();

  const configured = gateway.length > 0 || accounts.size > 0 || keys.size > 0;

  const select = (run: RequestRun): readonly CompiledGuardrail[] => {
    if (!configured) return gateway;
    // A judge's own request (marked with this middleware's secret) is not judged again.
    if (run.request.metadata[JUDGE_MARKER] === marker) return [];
    const account: AccountReference | undefined = run.account;
    const key = account?.apiKeyId === undefined ? undefined : keys.get(account.apiKeyId);
    const accountGuardrails = account === undefined ? undefined : accounts.get(account.id);
    let candidates: readonly CompiledGuardrail[] = gateway;
    if (accountGuardrails !== undefined || key !== undefined) {
      candidates = [...gateway, ...(accountGuardrails ?? []), ...(key?.guardrails ?? [])];
    }
    const active = candidates.filter((guardrail) => guardrail.models === undefined || guardrail.models.test(run.model));
    const requested = (run.request.providerOptions?.gateway as { guardrails?: { disable?: unknown } } | undefined)
      ?.guardrails?.disable;
    if (requested === undefined) return active;
    if (!Array.isArray(requested) || requested.some((name) => typeof name !== 'string')) {
      throw new GatewayError(
        'invalid_request',
        'providerOptions.gateway.guardrails.disable must be an array of guardrail names',
        {
          param: 'providerOptions.gateway.guardrails.disable',
        },
      );
    }
    for (const name of requested as string[]) {
      if (!(key?.mayDisable.has(name) === true || key?.mayDisable.has('*') === true)) {
        throw new GatewayError('forbidden', `This API key may not turn off guardrail '${name}'.`, {
          details: { ruleId: 'guardrail_disable', guardrail: name },
        });
      }
    }
    return active.filter((guardrail) => !requested.includes(guardrail.name));
  };

  const count = (
    state: RequestState,
    run: RequestRun,
    phase: GuardrailPhase,
    guardrail: string,
    detector: string,
    action: GuardrailAction,
  ): void => {
    const key = `${phase}\u0000${guardrail}\u0000${detector}\u0000${action}`;
    const event = state.counts.get(key);
    if (event !== undefined) event.count += 1;
    else
      state.counts.set(key, {
        requestId: run.requestId,
        phase,
        guardrail,
        detector,
        action,
        count: 1,
        ...(run.account ? { account: run.account } : {}),
      });
  };

  const flushEvents = (state: RequestState, phase: GuardrailPhase): void => {
    for (const [key, event] of state.counts) {
      if (event.phase !== phase) continue;
      state.counts.delete(key);
      try {
        emitEvent?.(event);
      } catch {
        // A listener that throws never fails the request.
      }
    }
  };

  const onMatch =
    (state: RequestState, run: RequestRun, phase: GuardrailPhase) =>
    (rule: GuardRule): void => {
      count(state, run, phase, rule.guardrail, rule.detector.name, rule.action);
      if (rule.action === 'block') {
        flushEvents(state, phase);
        throw blockedError(rule.guardrail, rule.detector.name, phase);
      }
    };

  const runChecks = async (
    state: RequestState,
    run: RequestRun,
    phase: GuardrailPhase,
    text: string,
    streaming = false,
  ): Promise<void> => {
    for (const guardrail of state.active) {
      if (guardrail.check === undefined || !(phase === 'input' ? guardrail.input : guardrail.output)) continue;
      if (streaming && !guardrail.checkStreams) continue;
      const detector = verdictDetector(await guardrail.check({ phase, text, run }));
      if (detector === undefined) continue;
      count(state, run, phase, guardrail.name, detector, guardrail.action);
      if (guardrail.action === 'block') {
        flushEvents(state, phase);
        throw blockedError(guardrail.name, detector, phase);
      }
    }
  };

  /**
   * A guard of one output text: answer text, reasoning, or a tool call's JSON arguments. A tool call's arguments and
   * the answer text of a JSON response (`responseFormat: json`) are scanned as JSON text and restored as JSON string
   * content, so that an original with a quote or a backslash keeps them valid JSON.
   */
  const outputGuard = (state: RequestState, run: RequestRun, kind: 'text' | 'reasoning' | 'tool'): TextGuard => {
    const rules = state.active.flatMap((guardrail) => (guardrail.output ? guardrail.rules : []));
    return new TextGuard({
      rules,
      holdBack,
      vault: state.vault,
      restore: state.vault.restores,
      json: kind === 'tool' || (kind === 'text' && run.request.responseFormat?.type === 'json'),
      onMatch: onMatch(state, run, 'output'),
    });
  };

  const guardsOutput = (state: RequestState | undefined): state is RequestState =>
    state !== undefined && (state.vault.restores || state.active.some((guardrail) => guardrail.output));

  const hasOutputChecks = (state: RequestState, streaming = false): boolean =>
    state.active.some(
      (guardrail) => guardrail.output && guardrail.check !== undefined && (!streaming || guardrail.checkStreams),
    );

  // Where `guardrail` events go: `onEvent` when configured, else the router this middleware is given to.
  let emitEvent: ((event: GuardrailEvent) => void) | undefined = config.onEvent;

  return {
    name: 'guardrails',

    attach(events) {
      if (config.onEvent === undefined) emitEvent = (event) => events.emit('guardrail', event);
    },

    async transformRequest(run) {
      const active = select(run);
      if (active.length === 0) return;
      const state: RequestState = { active, vault: new PlaceholderVault(), counts: new Map() };
      states.set(run, state);
      const input = active.filter((guardrail) => guardrail.input);
      if (input.length === 0) return;
      const embedding = run.operation === 'embed';
      for (const guardrail of input) {
        if (guardrail.maxInputTokens === undefined && guardrail.maxInputCharacters === undefined) continue;
        const text = embedding ? (run.values ?? []).join('\n') : promptText(run.request.prompt);
        const tokens = embedding
          ? Math.ceil(text.length / 4)
          : estimatePromptTokens(run.request.prompt, run.request.tools);
        const over =
          guardrail.maxInputTokens !== undefined && tokens > guardrail.maxInputTokens
            ? 'max-input-tokens'
            : guardrail.maxInputCharacters !== undefined && text.length > guardrail.maxInputCharacters
              ? 'max-input-characters'
              : undefined;
        if (over === undefined) continue;
        count(state, run, 'input', guardrail.name, over, guardrail.action);
        if (guardrail.action === 'block') {
          flushEvents(state, 'input');
          throw blockedError(guardrail.name, over, 'input');
        }
      }
      if (input.some((guardrail) => guardrail.check !== undefined)) {
        await runChecks(
          state,
          run,
          'input',
          embedding ? (run.values ?? []).join('\n') : promptText(run.request.prompt),
        );
      }
      const rules = input.flatMap((guardrail) => guardrail.rules);
      if (rules.length > 0) {
        const guardText = (text: string): string =>
          new TextGuard({
            rules,
            holdBack,
            vault: state.vault,
            restore: false,
            onMatch: onMatch(state, run, 'input'),
          }).finish(text);
        if (embedding) {
          if (run.values !== undefined) {
            const values = run.values.map(guardText);
            if (values.some((value, index) => value !== run.values?.[index])) run.values = values;
          }
        } else {
          let prompt: Message[] | undefined;
          run.request.prompt.forEach((message, index) => {
            const guarded = guardMessage(message, guardText);
            if (guarded === undefined) return;
            prompt ??= [...run.request.prompt];
            prompt[index] = guarded;
          });
          if (prompt !== undefined) run.request = { ...run.request, prompt };
        }
      }
      flushEvents(state, 'input');
    },

    async wrapGenerate(run, next) {
      const state = states.get(run);
      const result = await next();
      if (!guardsOutput(state)) return result;
      try {
        return await guardResult(state, run, result);
      } finally {
        flushEvents(state, 'output');
      }
    },

    async wrapStream(run, next) {
      const state = states.get(run);
      const inner = await next();
      if (!guardsOutput(state)) return inner;
      return guardStream(state, run, inner);
    },
  };

  async function guardResult(state: RequestState, run: RequestRun, result: GenerateResult): Promise<GenerateResult> {
    if (hasOutputChecks(state)) await runChecks(state, run, 'output', result.text);
    const originalTexts = result.content.filter((part) => part.type === 'text').map((part) => part.text);
    const toolInputs = new Map<string, string>();
    const content: ContentPart[] = result.content.map((part) => {
      if (part.type === 'text' || part.type === 'reasoning')
        return { ...part, text: outputGuard(state, run, part.type).finish(part.text) };
      if (part.type === 'tool-call') {
        const input = outputGuard(state, run, 'tool').finish(part.input);
        toolInputs.set(part.toolCallId, input);
        return { ...part, input };
      }
      return part;
    });
    const texts = content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
    const text =
      originalTexts.join('') === result.text ? texts.join('') : outputGuard(state, run, 'text').finish(result.text);
    const reasoning = content.flatMap((part) => (part.type === 'reasoning' ? [part.text] : []));
    return {
      ...result,
      text,
      content,
      reasoningText: result.reasoningText === undefined ? undefined : reasoning.join(''),
      toolCalls: result.toolCalls.map((call) => guardedToolCall(call, toolInputs, state.vault)),
    };
  }

  async function guardStream(state: RequestState, run: RequestRun, inner: PipelineStream): Promise<PipelineStream> {
    const iterator = inner.parts[Symbol.asyncIterator]();
    const guards = new Map<string, TextGuard>();
    const emitted = new Map<string, string>();
    const queue: StreamPart[] = [];
    const checks = hasOutputChecks(state, true);
    let modelText = '';
    let contentStarted = false;
    let ended = false;
    let blocked: GatewayError | undefined;

    const guardFor = (key: string, kind: 'text' | 'reasoning' | 'tool'): TextGuard => {
      let guard = guards.get(key);
      if (guard === undefined) {
        guard = outputGuard(state, run, kind);
        guards.set(key, guard);
      }
      return guard;
    };
    const enqueue = (part: StreamPart): void => {
      if (CONTENT_PART_TYPES.has(part.type)) contentStarted = true;
      queue.push(part);
    };
    /** The guarded arguments of each tool call, by its id, as streamed and then as its `tool-call` part. */
    const toolInputs = new Map<string, string>();
    const enqueueDelta = (part: DeltaPart, delta: string): void => {
      if (delta === '') return;
      if (part.type === 'tool-input-delta') toolInputs.set(part.id, (toolInputs.get(part.id) ?? '') + delta);
      if (part.type === 'text-delta') emitted.set(part.id, (emitted.get(part.id) ?? '') + delta);
      if (part.type === 'reasoning-delta')
        emitted.set(`reasoning:${part.id}`, (emitted.get(`reasoning:${part.id}`) ?? '') + delta);
      enqueue({ ...part, delta });
    };
    const flushOpen = (): void => {
      for (const [key, guard] of guards) {
        guards.delete(key);
        const [type, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
        const deltaType =
          type === 'text' ? 'text-delta' : type === 'reasoning' ? 'reasoning-delta' : 'tool-input-delta';
        enqueueDelta({ type: deltaType, id, delta: '' }, guard.finish());
      }
    };

    const handlePart = async (part: StreamPart): Promise<void> => {
      switch (part.type) {
        case 'text-delta':
        case 'reasoning-delta':
        case 'tool-input-delta': {
          const kind = part.type === 'text-delta' ? 'text' : part.type === 'reasoning-delta' ? 'reasoning' : 'tool';
          if (checks && kind === 'text') {
            modelText += part.delta;
            await runChecks(state, run, 'output', modelText, true);
          }
          enqueueDelta(part, guardFor(`${kind}:${part.id}`, kind).push(part.delta));
          return;
        }
        case 'text-end':
        case 'reasoning-end':
        case 'tool-input-end': {
          const kind = part.type === 'text-end' ? 'text' : part.type === 'reasoning-end' ? 'reasoning' : 'tool';
          const key = `${kind}:${part.id}`;
          const guard = guards.get(key);
          if (guard !== undefined) {
            guards.delete(key);
            const deltaType =
              kind === 'text' ? 'text-delta' : kind === 'reasoning' ? 'reasoning-delta' : 'tool-input-delta';
            enqueueDelta({ type: deltaType, id: part.id, delta: '' }, guard.finish());
          }
          enqueue(part);
          return;
        }
        case 'tool-call': {
          // The arguments as their deltas were guarded (one scan, one set of events); a call that came without
          // deltas is guarded whole.
          const streamed = toolInputs.get(part.toolCallId);
          const input = streamed ?? outputGuard(state, run, 'tool').finish(part.input);
          toolInputs.set(part.toolCallId, input);
          enqueue({ ...part, input });
          return;
        }
        case 'finish':
        case 'error':
          flushOpen();
          enqueue(part);
          return;
        default:
          enqueue(part);
      }
    };

    /** Reads one inner part into the queue; false once the inner stream ended. */
    const pull = async (): Promise<boolean> => {
      const next = await iterator.next();
      if (next.done === true) {
        flushOpen();
        return false;
      }
      await handlePart(next.value);
      return true;
    };

    let finished!: () => void;
    const partsDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const close = async (): Promise<void> => {
      if (ended) return;
      ended = true;
      flushEvents(state, 'output');
      finished();
      await iterator.return?.();
    };

    // Before any content reaches the caller, a block fails the request like any other error.
    try {
      while (!contentStarted && (await pull()));
    } catch (error) {
      await close();
      inner.result.catch(() => undefined);
      throw error;
    }

    const parts = (async function* (): AsyncGenerator<StreamPart> {
      try {
        for (;;) {
          while (queue.length > 0) yield queue.shift() as StreamPart;
          if (ended) return;
          let more: boolean;
          try {
            more = await pull();
          } catch (error) {
            if (!(error instanceof GatewayError) || error.code !== 'guardrail_blocked') throw error;
            blocked = error;
            queue.length = 0;
            yield { type: 'error', error };
            return;
          }
          if (!more) {
            while (queue.length > 0) yield queue.shift() as StreamPart;
            return;
          }
        }
      } finally {
        await close();
      }
    })();

    const result = partsDone.then(async () => {
      if (blocked !== undefined) {
        inner.result.catch(() => undefined);
        throw blocked;
      }
      const original = await inner.result;
      const texts = [...emitted.entries()].filter(([key]) => !key.startsWith('reasoning:')).map(([, text]) => text);
      const reasoning = [...emitted.entries()].filter(([key]) => key.startsWith('reasoning:')).map(([, text]) => text);
      let textIndex = 0;
      let reasoningIndex = 0;
      const textParts = original.content.filter((part) => part.type === 'text').length;
      const reasoningParts = original.content.filter((part) => part.type === 'reasoning').length;
      const content = original.content.flatMap((part): ContentPart[] => {
        if (part.type === 'text') {
          if (textParts !== texts.length) return textIndex++ === 0 ? [{ ...part, text: texts.join('') }] : [];
          return [{ ...part, text: texts[textIndex++] ?? '' }];
        }
        if (part.type === 'reasoning') {
          if (reasoningParts !== reasoning.length)
            return reasoningIndex++ === 0 ? [{ ...part, text: reasoning.join('') }] : [];
          return [{ ...part, text: reasoning[reasoningIndex++] ?? '' }];
        }
        if (part.type === 'tool-call')
          return [{ ...part, input: toolInputs.get(part.toolCallId) ?? state.vault.restore(part.input, true) }];
        return [part];
      });
      return {
        ...original,
        text: texts.join(''),
        content,
        reasoningText: original.reasoningText === undefined ? undefined : reasoning.join(''),
        toolCalls: original.toolCalls.map((call) => guardedToolCall(call, toolInputs, state.vault)),
      };
    });
    result.catch(() => undefined);
    return { parts, result };
  }
}
