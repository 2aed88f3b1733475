/**
 * The request middleware contract suite: what every `RequestMiddleware` must keep, checked through a real
 * router on the vendor simulators. A middleware's own test calls it with a factory:
 *
 *   runMiddlewareContract('logging', () => logging());
 *
 * Checked: it calls `next` at most once per request (on every operation); it passes the rest of the
 * pipeline's failures and the caller's aborts through (a middleware that answers from elsewhere may
 * answer instead, with `answersWithoutNext`); a stream's result agrees with its parts; and it changes no
 * request object it was given (it replaces `run.request`, never edits it).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { isGatewayError } from '../../src/core/errors.js';
import type { RequestMiddleware, RequestRun } from '../../src/middleware/middleware.js';
import type { Router } from '../../src/router/router.js';
import { startRouterFixture, type RouterFixture } from '../helpers/router-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

export interface MiddlewareContractOptions {
  /**
   * The middleware may answer without calling `next` (a cache): failures of the pipeline may then not reach the caller.
   */
  answersWithoutNext?: boolean;
}

/** Counts the calls of the rest of the pipeline, and snapshots the request objects it was handed. */
function innermostProbe(
  counts: { generate: number; stream: number; embed: number },
  seen: Map<RequestRun, string>,
): RequestMiddleware {
  return {
    name: 'contract-probe',
    wrapGenerate(run, next) {
      counts.generate += 1;
      return next();
    },
    wrapStream(run, next) {
      counts.stream += 1;
      return next();
    },
    wrapEmbed(run, next) {
      counts.embed += 1;
      return next();
    },
    transformRequest(run) {
      seen.set(run, JSON.stringify(run.request));
    },
  };
}

/** Snapshots the request a run starts with, before the middleware under test sees it. */
function outermostSnapshot(
  originals: Map<RequestRun, { request: RequestRun['request']; json: string }>,
): RequestMiddleware {
  return {
    name: 'contract-snapshot',
    transformRequest(run) {
      originals.set(run, { request: run.request, json: JSON.stringify(run.request) });
    },
  };
}

/**
 * Runs the contract against the middleware `create` makes (a new one per router).
 *
 * @example
 * ```ts
 * runMiddlewareContract('logging', () => logging());
 * ```
 */
export function runMiddlewareContract(
  name: string,
  create: () => RequestMiddleware,
  options: MiddlewareContractOptions = {},
): void {
  describe(`request middleware contract: ${name}`, () => {
    let fixture: RouterFixture;
    let router: Router;
    const counts = { generate: 0, stream: 0, embed: 0 };
    const seen = new Map<RequestRun, string>();
    const originals = new Map<RequestRun, { request: RequestRun['request']; json: string }>();

    beforeAll(async () => {
      fixture = await startRouterFixture();
    });
    afterAll(async () => {
      await fixture.close();
    });
    beforeEach(() => {
      fixture.openai.reset();
      fixture.anthropic.reset();
      counts.generate = counts.stream = counts.embed = 0;
      seen.clear();
      originals.clear();
      router = fixture.build({ middleware: [outermostSnapshot(originals), create(), innermostProbe(counts, seen)] });
    });

    it('calls next at most once per request, on every operation', async () => {
      for (let index = 0; index < 2; index += 1) {
        await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Hello there' });
        await router.stream({ model: 'openai/gpt-4o-mini', prompt: 'Hello there' }).result;
        await router.embedMany({ model: 'openai/text-embedding-3-small', values: ['a', 'b'] });
      }
      assert.ok(counts.generate <= 2, `generate went down the pipeline ${counts.generate} times for 2 requests`);
      assert.ok(counts.stream <= 2, `stream went down the pipeline ${counts.stream} times for 2 requests`);
      assert.ok(counts.embed <= 2, `embed went down the pipeline ${counts.embed} times for 2 requests`);
    });

    it('changes no request object it was given (it replaces run.request instead)', async () => {
      await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Leave me as I am' });
      assert.equal(originals.size, 1);
      for (const { request, json } of originals.values()) assert.equal(JSON.stringify(request), json);
    });

    it('passes the pipeline failures through, as the GatewayError they are', {
      skip: Boolean(options.answersWithoutNext),
    }, async () => {
      fixture.openai.script({ type: 'status', status: 400, message: 'bad request from the vendor' });
      const error = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Fail please' }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      assert.ok(isGatewayError(error), `rejected with ${String(error)}`);
      assert.equal(error.code, 'provider_invalid_request');
      fixture.openai.script({ type: 'status', status: 400, message: 'bad request from the vendor' });
      const streamed = await router.stream({ model: 'openai/gpt-4o-mini', prompt: 'Fail please' }).result.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      assert.ok(
        isGatewayError(streamed) && streamed.code === 'provider_invalid_request',
        `stream rejected with ${String(streamed)}`,
      );
    });

    it("passes the caller's abort through to the vendor", { skip: Boolean(options.answersWithoutNext) }, async () => {
      fixture.openai.script({ type: 'hang' });
      const controller = new AbortController();
      const pending = router.generate({
        model: 'openai/gpt-4o-mini',
        prompt: 'Hang',
        abortSignal: controller.signal,
        providerOptions: { gateway: { only: ['openai'] } },
      });
      await waitFor(() => fixture.openai.requests.length > 0);
      controller.abort();
      const error = await pending.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      assert.ok(isGatewayError(error) && error.code === 'aborted', `rejected with ${String(error)}`);
      await waitFor(() => fixture.openai.requests[0].aborted);
    });

    it("keeps a stream's result consistent with its parts", async () => {
      const stream = router.stream({ model: 'openai/gpt-4o-mini', prompt: 'Tell me something short' });
      let text = '';
      let finishes = 0;
      for await (const part of stream.fullStream) {
        if (part.type === 'text-delta') text += part.delta;
        if (part.type === 'finish') finishes += 1;
        assert.notEqual(part.type, 'error');
      }
      const result = await stream.result;
      assert.equal(result.text, text, 'the result text is the text of the parts');
      assert.equal(await stream.text, text);
      assert.equal(finishes, 1, 'one finish part');
    });
  });
}
