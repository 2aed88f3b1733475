/**
 * `GET /metrics` through Express with real clients (the openai SDK, fetch) over the vendor simulators:
 * the scrape after real requests (a success, a failover, a stream, a cache hit, a guardrail block, a
 * rate-limited request), parsed from the Prometheus text format and checked against the router's own
 * events; the key options; and no key anywhere in the output.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import express from 'express';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../../adapters/express.js';
import type { UsageEvent } from '../../../src/core/events.js';
import { createGateway, type Gateway } from '../../../src/gateway.js';
import type { GatewayConfig } from '../../../src/gateway-config.js';
import { responseCache } from '../../../src/middleware/cache/index.js';
import { guardrails } from '../../../src/middleware/guardrails/index.js';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  startRouterFixture,
  TEST_MODEL,
  type RouterFixture,
} from '../../helpers/router-fixture.js';
import { closeServer, GATEWAY_KEY, listen } from '../gateway-fixture.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const METRICS_KEY = 'metrics-key-0123456789abcdef';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (the sample lines; comments checked for HELP and TYPE). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[label[1]] = label[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of a metric whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

interface Running {
  gateway: Gateway;
  server: Server;
  origin: string;
  usage: UsageEvent[];
  close(): Promise<void>;
}

async function serve(fixture: RouterFixture, config: Partial<GatewayConfig>): Promise<Running> {
  const gateway = createGateway({
    providers: {
      openai: { apiKey: OPENAI_KEY, baseURL: `${fixture.openai.baseURL}/v1` },
      anthropic: { apiKey: ANTHROPIC_KEY, baseURL: fixture.anthropic.baseURL },
    },
    catalog: { models: [TEST_MODEL] },
    retry: { maxRetries: 0 },
    apiKeys: [{ key: GATEWAY_KEY, id: 'key_test', account: 'team_test' }],
    adminKeys: [{ key: ADMIN_KEY, id: 'ops' }],
    logger: false,
    ...config,
  });
  const usage: UsageEvent[] = [];
  gateway.router.on('usage', (event) => void usage.push(event));
  await gateway.ready();
  const app = express();
  app.use(createGatewayMiddleware(gateway));
  const server = createServer(app);
  const origin = await listen(server);
  return {
    gateway,
    server,
    origin,
    usage,
    async close() {
      await closeServer(server);
      await gateway.close();
    },
  };
}

async function scrape(
  origin: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; type: string }> {
  const response = await fetch(`${origin}/metrics`, { headers });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') ?? '' };
}

describe('Prometheus /metrics', () => {
  let fixture: RouterFixture;
  beforeAll(async () => {
    fixture = await startRouterFixture();
  });
  afterAll(async () => {
    await fixture.router.close();
    await fixture.close();
  });

  it('counts real requests (success, failover, stream, cache hit, guardrail block) and leaks no key', async () => {
    fixture.openai.reset();
    fixture.anthropic.reset();
    const running = await serve(fixture, {
      metrics: true,
      middleware: [
        guardrails({ guardrails: [{ name: 'no-secrets', action: 'block', deny: ['forbidden-word'] }] }),
        responseCache(),
      ],
    });
    try {
      const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${running.origin}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'one' }] });
      // The same request again: answered from the cache (no attempt, no request counted).
      await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'one' }] });
      fixture.openai.script({ type: 'status', status: 500 });
      const failover = await client.chat.completions.create({
        model: 'test/echo',
        messages: [{ role: 'user', content: 'fail over' }],
        // @ts-expect-error the gateway's routing options ride along in the body
        providerOptions: { gateway: { order: ['openai', 'anthropic'] } },
      });
      assert.equal(failover.choices[0].message.content, 'You said: fail over');
      const stream = await client.chat.completions.create({
        model: 'anthropic/claude-sonnet-4',
        stream: true,
        messages: [{ role: 'user', content: 'stream it' }],
      });
      for await (const _chunk of stream) {
        /* read to the end */
      }
      const embedding = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'embed me' });
      assert.equal(embedding.data.length, 1);
      const blocked = await client.chat.completions
        .create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'a forbidden-word here' }] })
        .then(
          () => undefined,
          (error: { status: number }) => error.status,
        );
      assert.equal(blocked, 400);
      // The stream's `response` event fires before its last part is sent: counted by the time the client is done.
      const scraped = await scrape(running.origin);
      assert.equal(scraped.status, 200);
      assert.match(scraped.type, /^text\/plain; version=0\.0\.4/);
      assert.match(scraped.text, /# TYPE switchyard_requests_total counter/);
      assert.match(scraped.text, /# TYPE switchyard_attempt_duration_seconds histogram/);
      const samples = parseMetrics(scraped.text);

      assert.equal(
        total(samples, 'switchyard_requests_total', {
          operation: 'generate',
          model: 'openai/gpt-4o',
          provider: 'openai',
          outcome: 'success',
        }),
        1,
      );
      assert.equal(
        total(samples, 'switchyard_requests_total', { model: 'test/echo', provider: 'anthropic', outcome: 'success' }),
        1,
      );
      assert.equal(total(samples, 'switchyard_requests_total', { operation: 'stream', outcome: 'success' }), 1);
      assert.equal(
        total(samples, 'switchyard_requests_total', { operation: 'embed', provider: 'openai', outcome: 'success' }),
        1,
      );
      assert.equal(
        total(samples, 'switchyard_requests_total'),
        4,
        'the cache hit and the blocked request are not routed',
      );
      assert.equal(
        total(samples, 'switchyard_fallbacks_total', { from_provider: 'openai', to_provider: 'anthropic' }),
        1,
      );
      assert.equal(
        total(samples, 'switchyard_attempt_duration_seconds_count', { provider: 'openai', outcome: 'error' }),
        1,
      );
      assert.equal(total(samples, 'switchyard_attempt_duration_seconds_count', { outcome: 'success' }), 4);
      assert.ok(total(samples, 'switchyard_time_to_first_token_seconds_count', { provider: 'anthropic' }) >= 1);
      assert.equal(total(samples, 'switchyard_requests_in_flight'), 0);
      assert.equal(total(samples, 'switchyard_cache_events_total', { outcome: 'hit' }), 1);
      assert.ok(total(samples, 'switchyard_cache_saved_nanodollars_total') > 0);
      assert.equal(
        total(samples, 'switchyard_guardrail_actions_total', {
          guardrail: 'no-secrets',
          action: 'block',
          phase: 'input',
        }),
        1,
      );
      // Tokens and cost agree with the router's own usage events.
      const sum = (pick: (usage: UsageEvent) => number): number =>
        running.usage.reduce((acc, usage) => acc + pick(usage), 0);
      assert.equal(running.usage.length, 4);
      assert.equal(
        total(samples, 'switchyard_tokens_total', { kind: 'input' }),
        sum((usage) => usage.inputTokens),
      );
      assert.equal(
        total(samples, 'switchyard_tokens_total', { kind: 'output' }),
        sum((usage) => usage.outputTokens),
      );
      assert.equal(
        total(samples, 'switchyard_cost_nanodollars_total'),
        sum((usage) => usage.cost.total),
      );
      assert.ok(sum((usage) => usage.cost.total) > 0);
      // The breaker gauge: every offering tried, closed (0).
      const breakers = samples.filter((sample) => sample.name === 'switchyard_breaker_state');
      assert.ok(breakers.some((sample) => sample.labels.provider === 'openai' && sample.value === 0));
      // Low cardinality: no account, user or key labels by default; no key anywhere.
      assert.ok(!samples.some((sample) => 'account' in sample.labels || 'api_key_id' in sample.labels));
      for (const secret of [GATEWAY_KEY, OPENAI_KEY, ANTHROPIC_KEY, ADMIN_KEY])
        assert.ok(!scraped.text.includes(secret));
      assert.ok(!scraped.text.includes('team_test'));
      assert.ok(!scraped.text.includes('forbidden-word') && !scraped.text.includes('stream it'));
    } finally {
      await running.close();
    }
  });

  it('counts rate-limit rejections, with the account label when configured', async () => {
    const running = await serve(fixture, {
      metrics: { labels: ['account'] },
      billing: { freeAllocationNano: 1_000_000_000, rateLimits: { requestsPerMinute: 1 } },
    });
    try {
      const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${running.origin}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'one' }] });
      const status = await client.chat.completions
        .create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'two' }] })
        .then(
          () => 200,
          (error: { status: number }) => error.status,
        );
      assert.equal(status, 429);
      const samples = parseMetrics((await scrape(running.origin)).text);
      assert.equal(total(samples, 'switchyard_rejections_total', { reason: 'rate_limited' }), 1);
      assert.equal(
        total(samples, 'switchyard_requests_total', {
          outcome: 'rate_limited',
          account: 'team_test',
          provider: 'none',
        }),
        1,
      );
      assert.equal(total(samples, 'switchyard_requests_total', { outcome: 'success', account: 'team_test' }), 1);
      assert.ok(
        samples.some((sample) => sample.name === 'switchyard_tokens_total' && sample.labels.account === 'team_test'),
      );
      assert.equal(total(samples, 'switchyard_requests_in_flight'), 0, 'a refused request is no longer in flight');
    } finally {
      await running.close();
    }
  });

  it('requires the metrics key when one is set, and an admin key with key: admin', async () => {
    const keyed = await serve(fixture, { metrics: { key: METRICS_KEY } });
    try {
      assert.equal((await scrape(keyed.origin)).status, 401);
      assert.equal((await scrape(keyed.origin, { authorization: `Bearer ${GATEWAY_KEY}` })).status, 401);
      const ok = await scrape(keyed.origin, { authorization: `Bearer ${METRICS_KEY}` });
      assert.equal(ok.status, 200);
      assert.ok(!ok.text.includes(METRICS_KEY));
    } finally {
      await keyed.close();
    }
    const admin = await serve(fixture, { metrics: { key: 'admin', path: '/internal/metrics' } });
    try {
      const at = (headers: Record<string, string>) => fetch(`${admin.origin}/internal/metrics`, { headers });
      assert.equal((await at({})).status, 401);
      assert.equal((await at({ authorization: `Bearer ${GATEWAY_KEY}` })).status, 401);
      assert.equal((await at({ authorization: `Bearer ${ADMIN_KEY}` })).status, 200);
      assert.equal((await fetch(`${admin.origin}/metrics`)).status, 404, 'the default path is not served');
    } finally {
      await admin.close();
    }
  });

  it('is public without a key, and not mounted (nothing listens) without the option', async () => {
    const off = await serve(fixture, {});
    try {
      assert.equal((await scrape(off.origin)).status, 404);
      assert.equal(off.gateway.router.listenerCount('attempt'), 0);
      assert.equal(off.gateway.router.listenerCount('fallback'), 0);
    } finally {
      await off.close();
    }
  });

  it('rejects invalid metrics options with every problem', () => {
    assert.throws(
      () =>
        createGateway({
          providers: { openai: { apiKey: OPENAI_KEY } },
          metrics: { key: 'short', path: 'metrics', labels: ['tenant'] } as never,
        }),
      (error: { details: { problems: Array<{ path: string }> } }) => {
        const paths = error.details.problems.map((problem) => problem.path).sort();
        assert.deepEqual(paths, ['metrics.key', 'metrics.labels[0]', 'metrics.path']);
        return true;
      },
    );
  });
});
