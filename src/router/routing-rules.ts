/**
 * Routing rules and virtual models: the routing a team would otherwise write by hand, as configuration.
 * Rules (`rules: [{ name, match, action }]`) rewrite a request's model, deny it (403 `forbidden`, naming
 * the rule) or set its routing (order, only, models, sort); virtual models (`virtualModels: { 'acme/fast':
 * { model, fallbacks, providerOptions, tags } }`) are saved names with their routing, for clients that
 * cannot send options. Both are compiled once, at construction, into matchers; a router with neither has
 * no rewriter and nothing on its request path.
 *
 * @module
 */
import { modelAllowed } from '../catalog/model-directory.js';
import { GatewayError } from '../core/errors.js';
import type { GatewayOptions, ProviderOptions } from '../core/types.js';
import type { NormalizedRequest } from './router-types.js';

/**
 * What a rule matches; every field given must match (a list matches when any of its entries does).
 *
 * @example
 * ```ts
 * const match: RuleMatch = { model: 'openai/*', account: ['team_free'], tags: ['batch'] };
 * ```
 */
export interface RuleMatch {
  /** Model ids as requested: exact, or a prefix ending in `*` (`openai/*`). */
  model?: string | string[];
  /** Account (team) ids. */
  account?: string | string[];
  /** End users (the request's `user`, else the account's). */
  user?: string | string[];
  /** Gateway API key ids (never keys). */
  apiKey?: string | string[];
  /** Matches when the request carries any of these tags. */
  tags?: string[];
  /** Matches when the request's metadata has every one of these values. */
  metadata?: Record<string, string>;
}

/**
 * What a matching rule does: `rewrite` the model (later rules see the new one), `deny` the request (403
 * `forbidden`, naming the rule; evaluation stops) or `route` it (its fields replace the request's own).
 *
 * @example
 * ```ts
 * const action: RuleAction = { type: 'route', only: ['bedrock'], sort: 'cost' };
 * ```
 */
export type RuleAction =
  | { type: 'rewrite'; model: string }
  | { type: 'deny'; message?: string }
  | { type: 'route'; order?: string[]; only?: string[]; models?: string[]; sort?: 'cost' | 'tps' | 'ttft' };

/**
 * One routing rule. Rules are evaluated before candidates, in order; each that matches acts.
 *
 * @example
 * ```ts
 * const rule: RoutingRule = { name: 'no-gpt-5-for-free', match: { model: 'openai/gpt-5*', account: 'team_free' }, action: { type: 'deny' } };
 * ```
 */
export interface RoutingRule {
  /** Named in the 403 of a `deny` (default `rules[<index>]`). */
  name?: string;
  /** What the rule applies to (every request when absent). */
  match?: RuleMatch;
  action: RuleAction;
}

/**
 * A saved model name with its routing: requests for it go to `model`, with `fallbacks` as the fallback
 * models (unless the request names its own), `providerOptions` under the request's own, and `tags` added.
 * Listed in every dialect's model list.
 *
 * @example
 * ```ts
 * const fast: VirtualModel = { model: 'openai/gpt-4o-mini', fallbacks: ['anthropic/claude-3.5-haiku'], tags: ['fast'] };
 * ```
 */
export interface VirtualModel {
  /** The model it stands for: a catalog id or a raw `provider:model` id. */
  model: string;
  /** Fallback models, tried in order (`providerOptions.gateway.models`). */
  fallbacks?: string[];
  /** Provider and gateway options, under the request's own. */
  providerOptions?: ProviderOptions;
  /** Tags added to every request for it. */
  tags?: string[];
  /** Shown in model lists (default: the id). */
  name?: string;
  description?: string;
}

type Matcher = (request: NormalizedRequest, model: string) => boolean;

interface CompiledRule {
  id: string;
  matches: Matcher;
  action: RuleAction;
}

function list(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function compileMatch(match: RuleMatch | undefined): Matcher {
  const tests: Matcher[] = [];
  if (!match) return () => true;
  const models = list(match.model);
  if (models) tests.push((_request, model) => modelAllowed(models, model));
  const accounts = list(match.account);
  if (accounts) {
    const set = new Set(accounts);
    tests.push((request) => request.account !== undefined && set.has(request.account.id));
  }
  const users = list(match.user);
  if (users) {
    const set = new Set(users);
    tests.push((request) => {
      const user = request.user ?? request.account?.user;
      return user !== undefined && set.has(user);
    });
  }
  const keys = list(match.apiKey);
  if (keys) {
    const set = new Set(keys);
    tests.push((request) => request.account?.apiKeyId !== undefined && set.has(request.account.apiKeyId));
  }
  if (match.tags) {
    const set = new Set(match.tags);
    tests.push((request) => request.tags.some((tag) => set.has(tag)));
  }
  const metadata = match.metadata ? Object.entries(match.metadata) : undefined;
  if (metadata) tests.push((request) => metadata.every(([key, value]) => request.metadata[key] === value));
  if (tests.length === 1) return tests[0];
  return (request, model) => tests.every((test) => test(request, model));
}

function withGateway(providerOptions: ProviderOptions | undefined, gateway: GatewayOptions): ProviderOptions {
  return { ...providerOptions, gateway: { ...providerOptions?.gateway, ...gateway } };
}

/**
 * The compiled rules and virtual models of one router: {@link RequestRewriter.apply} runs them on a
 * normalised request.
 *
 * @example
 * ```ts
 * const rewriter = compileRoutingRules([{ match: { model: 'openai/gpt-4' }, action: { type: 'rewrite', model: 'openai/gpt-4o' } }], {});
 * rewriter?.apply(router.normalize({ model: 'openai/gpt-4', prompt: 'Hi' })).model; // 'openai/gpt-4o'
 * ```
 */
export class RequestRewriter {
  private readonly rules: CompiledRule[];
  private readonly virtual: ReadonlyMap<string, VirtualModel>;

  constructor(rules: readonly RoutingRule[], virtualModels: Readonly<Record<string, VirtualModel>>) {
    this.rules = rules.map((rule, index) => ({
      id: rule.name ?? `rules[${index}]`,
      matches: compileMatch(rule.match),
      action: rule.action,
    }));
    this.virtual = new Map(Object.entries(virtualModels));
  }

  /**
   * The request after the rules (in order) and its virtual model. Throws `forbidden` for a denied request.
   * The request is the router's own normalised copy: its fields are set, the caller's options are copied.
   */
  apply(request: NormalizedRequest): NormalizedRequest {
    for (const rule of this.rules) {
      if (!rule.matches(request, request.model)) continue;
      const action = rule.action;
      if (action.type === 'deny') {
        const why = action.message ? `: ${action.message}` : '';
        throw new GatewayError('forbidden', `The request was denied by routing rule '${rule.id}'${why}`, {
          details: { ruleId: rule.id },
        });
      }
      if (action.type === 'rewrite') request.model = action.model;
      else {
        const gateway: GatewayOptions = {};
        if (action.order) gateway.order = action.order;
        if (action.only) gateway.only = action.only;
        if (action.models) gateway.models = action.models;
        if (action.sort) gateway.sort = action.sort;
        request.providerOptions = withGateway(request.providerOptions, gateway);
      }
    }
    const virtual = this.virtual.get(request.model);
    if (virtual) this.resolveVirtual(request, virtual);
    return request;
  }

  private resolveVirtual(request: NormalizedRequest, virtual: VirtualModel): void {
    request.model = virtual.model;
    const saved = virtual.providerOptions;
    const own = request.providerOptions;
    let merged: ProviderOptions | undefined = saved || own ? { ...saved } : undefined;
    if (merged && own) {
      for (const [provider, options] of Object.entries(own))
        merged[provider] = { ...merged[provider], ...options } as ProviderOptions[string];
    }
    if (virtual.fallbacks && own?.gateway?.models === undefined)
      merged = withGateway(merged, { models: virtual.fallbacks });
    request.providerOptions = merged;
    if (virtual.tags && virtual.tags.length > 0)
      request.tags = [...request.tags, ...virtual.tags.filter((tag) => !request.tags.includes(tag))];
  }
}

/**
 * Compiles a router's rules and virtual models once, or returns undefined when it has neither (then the
 * request path has nothing to run).
 *
 * @example
 * ```ts
 * const rewriter = compileRoutingRules(config.rules ?? [], config.virtualModels ?? {});
 * ```
 */
export function compileRoutingRules(
  rules: readonly RoutingRule[] | undefined,
  virtualModels: Readonly<Record<string, VirtualModel>> | undefined,
): RequestRewriter | undefined {
  if ((rules?.length ?? 0) === 0 && Object.keys(virtualModels ?? {}).length === 0) return undefined;
  validateRules(rules ?? [], virtualModels ?? {});
  return new RequestRewriter(rules ?? [], virtualModels ?? {});
}

/**
 * One problem of a rules or virtual models configuration: its path, what was expected, the value found
 * (or `unknown` for an option that does not exist).
 *
 * @example
 * ```ts
 * const problem: RuleProblem = { path: 'rules[0].action.type', expected: "one of 'rewrite', 'deny', 'route'", value: 'teleport' };
 * ```
 */
export interface RuleProblem {
  path: string;
  expected: string;
  value: unknown;
  unknown?: true;
}

const UNKNOWN = Symbol('unknown option');

/**
 * The problems of rules and virtual models, for the router (thrown as `config_invalid`) and the gateway config.
 *
 * @example
 * ```ts
 * routingRuleProblems([{ action: { type: 'teleport' } }], undefined); // [{ path: 'rules[0].action.type', ... }]
 * ```
 */
export function routingRuleProblems(rules: unknown, virtualModels: unknown, base = ''): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const at = (path: string): string => (base ? `${base}.${path}` : path);
  const add = (path: string, expected: string, value: unknown): void => {
    problems.push(
      value === UNKNOWN
        ? { path: at(path), expected, value: undefined, unknown: true }
        : { path: at(path), expected, value },
    );
  };
  const strings = (path: string, value: unknown, single: boolean): void => {
    if (value === undefined) return;
    const ok =
      (single && typeof value === 'string') || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) add(path, single ? 'a string or an array of strings' : 'an array of strings', value);
  };
  if (rules !== undefined) {
    if (!Array.isArray(rules)) add('rules', 'an array of rules { match, action }', rules);
    else
      rules.forEach((rule: unknown, index) => {
        const path = `rules[${index}]`;
        if (typeof rule !== 'object' || rule === null || Array.isArray(rule))
          return add(path, 'a rule { name?, match?, action }', rule);
        const { name, match, action, ...rest } = rule as Record<string, unknown>;
        for (const key of Object.keys(rest)) add(`${path}.${key}`, 'a known option (name, match, action)', UNKNOWN);
        if (name !== undefined && (typeof name !== 'string' || name === ''))
          add(`${path}.name`, 'a non-empty string', name);
        if (match !== undefined) {
          if (typeof match !== 'object' || match === null || Array.isArray(match))
            add(`${path}.match`, 'an object { model?, account?, user?, apiKey?, tags?, metadata? }', match);
          else {
            const fields = match as Record<string, unknown>;
            for (const key of Object.keys(fields)) {
              if (['model', 'account', 'user', 'apiKey'].includes(key))
                strings(`${path}.match.${key}`, fields[key], true);
              else if (key === 'tags') strings(`${path}.match.tags`, fields.tags, false);
              else if (key === 'metadata') {
                const metadata = fields.metadata;
                if (
                  typeof metadata !== 'object' ||
                  metadata === null ||
                  Object.values(metadata).some((value) => typeof value !== 'string')
                )
                  add(`${path}.match.metadata`, 'an object of string values', metadata);
              } else
                add(`${path}.match.${key}`, 'a known option (model, account, user, apiKey, tags, metadata)', UNKNOWN);
            }
          }
        }
        checkAction(`${path}.action`, action, add, strings);
      });
  }
  if (virtualModels !== undefined) {
    if (typeof virtualModels !== 'object' || virtualModels === null || Array.isArray(virtualModels))
      add(
        'virtualModels',
        "virtual models by name, such as { 'acme/fast': { model: 'openai/gpt-4o-mini' } }",
        virtualModels,
      );
    else
      for (const [id, virtual] of Object.entries(virtualModels)) {
        const path = `virtualModels.${id}`;
        if (!/^[^/\s]+\/[^\s]+$/.test(id)) add(path, "a name like 'creator/model' (the key)", id);
        if (typeof virtual !== 'object' || virtual === null || Array.isArray(virtual)) {
          add(path, '{ model, fallbacks?, providerOptions?, tags?, name?, description? }', virtual);
          continue;
        }
        const fields = virtual as Record<string, unknown>;
        for (const key of Object.keys(fields))
          if (!['model', 'fallbacks', 'providerOptions', 'tags', 'name', 'description'].includes(key))
            add(
              `${path}.${key}`,
              'a known option (model, fallbacks, providerOptions, tags, name, description)',
              UNKNOWN,
            );
        if (typeof fields.model !== 'string' || fields.model === '') add(`${path}.model`, 'a model id', fields.model);
        else if (fields.model === id) add(`${path}.model`, 'another model than the virtual one itself', fields.model);
        strings(`${path}.fallbacks`, fields.fallbacks, false);
        strings(`${path}.tags`, fields.tags, false);
        for (const key of ['name', 'description'])
          if (fields[key] !== undefined && typeof fields[key] !== 'string')
            add(`${path}.${key}`, 'a string', fields[key]);
        const options = fields.providerOptions;
        if (
          options !== undefined &&
          (typeof options !== 'object' ||
            options === null ||
            Object.values(options).some((value) => typeof value !== 'object' || value === null))
        )
          add(`${path}.providerOptions`, 'an object of per-provider option objects', options);
      }
  }
  return problems;
}

function checkAction(
  path: string,
  action: unknown,
  add: (path: string, expected: string, value: unknown) => void,
  strings: (path: string, value: unknown, single: boolean) => void,
): void {
  const expected =
    "an action { type: 'rewrite', model } | { type: 'deny', message? } | { type: 'route', order?, only?, models?, sort? }";
  if (typeof action !== 'object' || action === null || Array.isArray(action)) {
    add(path, expected, action);
    return;
  }
  const fields = action as Record<string, unknown>;
  const allowed: Record<string, string[]> = {
    rewrite: ['type', 'model'],
    deny: ['type', 'message'],
    route: ['type', 'order', 'only', 'models', 'sort'],
  };
  const keys = typeof fields.type === 'string' ? allowed[fields.type] : undefined;
  if (!keys) {
    add(`${path}.type`, "one of 'rewrite', 'deny', 'route'", fields.type);
    return;
  }
  for (const key of Object.keys(fields))
    if (!keys.includes(key))
      add(`${path}.${key}`, `a known option of a ${fields.type} action (${keys.join(', ')})`, UNKNOWN);
  if (fields.type === 'rewrite' && (typeof fields.model !== 'string' || fields.model === ''))
    add(`${path}.model`, 'the model id to rewrite to', fields.model);
  if (fields.type === 'deny' && fields.message !== undefined && typeof fields.message !== 'string')
    add(`${path}.message`, 'a string', fields.message);
  if (fields.type === 'route') {
    for (const key of ['order', 'only', 'models']) strings(`${path}.${key}`, fields[key], false);
    if (fields.sort !== undefined && !['cost', 'tps', 'ttft'].includes(fields.sort as string))
      add(`${path}.sort`, "one of 'cost', 'tps', 'ttft'", fields.sort);
  }
}

function validateRules(rules: readonly RoutingRule[], virtualModels: Readonly<Record<string, VirtualModel>>): void {
  const problems = routingRuleProblems(rules, virtualModels);
  if (problems.length === 0) return;
  const lines = problems.map((problem) => `${problem.path} — expected ${problem.expected}`);
  throw new GatewayError('config_invalid', `Invalid routing rules:\n${lines.join('\n')}`, { details: { problems } });
}
