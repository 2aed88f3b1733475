/**
 * The middleware chain: a router's `middleware: [a, b, c]` composed once, outermost first, around the
 * innermost step of each operation. With no middleware, each step is the innermost one itself.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import type { PipelineStream, RequestMiddleware, RequestRun } from '../middleware/middleware.js';
import type { EmbedManyResult, GenerateResult, ImageResult, RerankResult } from './router-types.js';
import type { PipelineRun } from './request-run.js';

/**
 * One composed step: a run in, the operation's answer out.
 *
 * @example
 * ```ts
 * const step: ChainStep<GenerateResult> = (run) => pipeline.generate(run);
 * ```
 */
export type ChainStep<Result> = (run: PipelineRun) => Promise<Result>;

/**
 * The composed steps of a router, one per operation.
 *
 * @example
 * ```ts
 * const result = await chain.generate(run);
 * ```
 */
export interface MiddlewareChain {
  readonly generate: ChainStep<GenerateResult>;
  readonly stream: ChainStep<PipelineStream>;
  readonly embed: ChainStep<EmbedManyResult>;
  /** Image generation: `transformRequest` applies (the prompt is `run.request.prompt`); no `wrap*` of its own yet. */
  readonly image: ChainStep<ImageResult>;
  /** Reranking: `transformRequest` applies (the query is `run.request.prompt`, the documents `run.values`). */
  readonly rerank: ChainStep<RerankResult>;
  /** Whether any middleware wraps streams (else `stream` returns the innermost step's stream as is). */
  readonly wrapsStreams: boolean;
}

type WrapName = 'wrapGenerate' | 'wrapStream' | 'wrapEmbed';
type Wrap<Result> = (run: RequestRun, next: () => Promise<Result>) => Promise<Result>;

/**
 * Composes the middleware around the innermost steps, once. `transformRequest` runs for every operation,
 * outermost first, before any `wrap*`; then the `wrap*` of the operation, outermost first. A middleware's
 * `next` may be called at most once: a second call rejects with `internal_error`.
 *
 * @example
 * ```ts
 * const chain = composeMiddleware([logging, cache], { generate: (run) => pipeline.generate(run), stream, embed });
 * const result = await chain.generate(run);
 * ```
 */
export function composeMiddleware(
  middleware: readonly RequestMiddleware[],
  innermost: {
    generate: ChainStep<GenerateResult>;
    stream: ChainStep<PipelineStream>;
    embed: ChainStep<EmbedManyResult>;
    image?: ChainStep<ImageResult>;
    rerank?: ChainStep<RerankResult>;
  },
): MiddlewareChain {
  for (const each of middleware) {
    if (!each || typeof each !== 'object' || typeof each.name !== 'string') {
      const message =
        'Each middleware must be an object with a `name` (and transformRequest, wrapGenerate, wrapStream, wrapEmbed)';
      throw new GatewayError('config_invalid', message);
    }
  }
  const transformers = middleware.filter((each) => typeof each.transformRequest === 'function');
  const withTransforms = <Result>(step: ChainStep<Result>): ChainStep<Result> => {
    if (transformers.length === 0) return step;
    return async (run) => {
      for (const each of transformers) await each.transformRequest?.(run);
      return step(run);
    };
  };
  return {
    generate: withTransforms(wrapAll(middleware, 'wrapGenerate', innermost.generate)),
    stream: withTransforms(wrapAll(middleware, 'wrapStream', innermost.stream)),
    embed: withTransforms(wrapAll(middleware, 'wrapEmbed', innermost.embed)),
    image: withTransforms(innermost.image ?? unsupported('image')),
    rerank: withTransforms(innermost.rerank ?? unsupported('rerank')),
    wrapsStreams: middleware.some((each) => typeof each.wrapStream === 'function'),
  };
}

function wrapAll<Result>(
  middleware: readonly RequestMiddleware[],
  name: WrapName,
  innermost: ChainStep<Result>,
): ChainStep<Result> {
  let step = innermost;
  for (let index = middleware.length - 1; index >= 0; index -= 1) {
    const each = middleware[index];
    const wrap = each[name] as Wrap<Result> | undefined;
    if (typeof wrap !== 'function') continue;
    const next = step;
    step = (run) => {
      let called = false;
      const callNext = (): Promise<Result> => {
        if (called)
          return Promise.reject(
            new GatewayError('internal_error', `Middleware '${each.name}' called next() more than once`),
          );
        called = true;
        return next(run);
      };
      try {
        return Promise.resolve(wrap.call(each, run, callNext));
      } catch (error) {
        return Promise.reject(error); // a wrap that threw before returning a promise
      }
    };
  }
  return step;
}

function unsupported<Result>(operation: string): ChainStep<Result> {
  return () => Promise.reject(new GatewayError('internal_error', `The pipeline has no ${operation} step`));
}
