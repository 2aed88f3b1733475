/**
 * The OpenTelemetry middleware against the real SDK (in-memory span exporter, a metric reader) and real
 * providers over their simulators: a span per request and per attempt, GenAI attributes, streams, the
 * incoming `traceparent` continued through Express, and no content or key in any attribute.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import express from 'express';
import OpenAI from 'openai';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { DataPointType, MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { createGatewayMiddleware } from '../../../adapters/express.js';
import { createGateway } from '../../../src/gateway.js';
import type { UsageEvent } from '../../../src/core/events.js';
import { ANTHROPIC_KEY, OPENAI_KEY, startRouterFixture, type RouterFixture } from '../../helpers/router-fixture.js';
import { closeServer, GATEWAY_KEY, listen } from '../../http/gateway-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';

class TestMetricReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const OPENAI_FIRST = { gateway: { order: ['openai', 'anthropic'] } };
const SECRET_PROMPT = 'the-secret-prompt-text-42';

function allAttributeText(spans: readonly ReadableSpan[]): string {
  return spans.map((span) => `${span.name} ${JSON.stringify(span.attributes)} ${span.status.message ?? ''}`).join('\n');
}

describe('OpenTelemetry middleware', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = tracerProvider.getTracer('test');
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const meter = meterProvider.getMeter('test');
  let fixture: RouterFixture;

  beforeAll(async () => {
    fixture = await startRouterFixture({ telemetry: { openTelemetry: { tracer, meter } } });
  });
  afterAll(async () => {
    await fixture.router.close();
    await fixture.close();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('shows a request that fails over as one request span with two attempt spans, the first with error status', async () => {
    fixture.usage.length = 0;
    fixture.openai.script({ type: 'status', status: 500 });
    const result = await fixture.router.generate({ model: 'test/echo', prompt: 'Hi', providerOptions: OPENAI_FIRST });
    assert.equal(result.provider, 'anthropic');
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 3, spans.map((span) => span.name).join(', '));
    const request = spans.find((span) => span.name === 'chat test/echo');
    assert.ok(request, 'the request span');
    const attempts = spans
      .filter((span) => span !== request)
      .sort(
        (a, b) => Number(a.attributes['switchyard.attempt.index']) - Number(b.attributes['switchyard.attempt.index']),
      );
    for (const attempt of attempts) {
      assert.equal(attempt.parentSpanContext?.spanId, request.spanContext().spanId);
      assert.equal(attempt.spanContext().traceId, request.spanContext().traceId);
      assert.equal(attempt.kind, 2); // CLIENT
    }
    const [failed, answered] = attempts;
    assert.equal(failed.name, 'chat gpt-4o-mini');
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.equal(failed.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(failed.attributes['switchyard.attempt.outcome'], 'error');
    assert.equal(failed.attributes['error.type'], result.attempts[0].code);
    assert.equal(answered.name, 'chat claude-sonnet-4-20250514');
    assert.notEqual(answered.status.code, SpanStatusCode.ERROR);
    assert.equal(answered.attributes['gen_ai.provider.name'], 'anthropic');
    assert.equal(answered.attributes['gen_ai.response.model'], 'claude-sonnet-4-20250514');
    assert.equal(answered.attributes['gen_ai.response.id'], result.responseId);
    assert.equal(answered.attributes['gen_ai.usage.input_tokens'], result.usage.inputTokens.total);
    assert.equal(answered.attributes['gen_ai.usage.output_tokens'], result.usage.outputTokens.total);
    assert.deepEqual(answered.attributes['gen_ai.response.finish_reasons'], ['stop']);
    // The attempt spans keep the attempts' own times.
    assert.equal(answered.startTime[0] * 1000 + Math.floor(answered.startTime[1] / 1e6), result.attempts[1].startTime);

    assert.notEqual(request.status.code, SpanStatusCode.ERROR);
    assert.equal(request.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(request.attributes['gen_ai.request.model'], 'test/echo');
    assert.equal(request.attributes['gen_ai.response.model'], 'test/echo');
    assert.equal(request.attributes['gen_ai.provider.name'], 'anthropic');
    assert.equal(request.attributes['switchyard.provider'], 'anthropic');
    assert.equal(request.attributes['switchyard.fallback'], true);
    assert.equal(request.attributes['switchyard.attempt_count'], 2);
    const billed = fixture.usage.reduce((sum: number, usage: UsageEvent) => sum + usage.cost.total, 0);
    assert.ok(billed > 0);
    assert.equal(request.attributes['switchyard.cost_nano'], billed);
    assert.equal(answered.attributes['switchyard.cost_nano'], result.cost.total);
  });

  it('sets error status on the request span of a request that fails for good', async () => {
    fixture.openai.script({ type: 'status', status: 500 });
    const error = await fixture.router
      .generate({ model: 'test/echo', prompt: 'Hi', providerOptions: { gateway: { only: ['openai'] } } })
      .then(
        () => assert.fail('expected a failure'),
        (thrown: { code: string }) => thrown,
      );
    const spans = exporter.getFinishedSpans();
    const request = spans.find((span) => span.name === 'chat test/echo');
    assert.ok(request);
    assert.equal(request.status.code, SpanStatusCode.ERROR);
    assert.equal(request.attributes['error.type'], error.code);
    assert.equal(spans.length, 2);
  });

  it('ends the request span of a stream when the stream ends, with its attempt under it', async () => {
    fixture.anthropic.configure({ tokensPerSecond: 0 });
    const stream = fixture.router.stream({
      model: 'test/echo',
      prompt: 'stream me please',
      providerOptions: { gateway: { only: ['anthropic'] } },
    });
    const reader = stream.fullStream[Symbol.asyncIterator]();
    const first = await reader.next();
    assert.equal(first.done, false);
    assert.equal(exporter.getFinishedSpans().length, 0, 'no span ends while the stream is being read');
    for (;;) if ((await reader.next()).done) break;
    const result = await stream.result;
    await waitFor(() => exporter.getFinishedSpans().length === 2);
    const spans = exporter.getFinishedSpans();
    const request = spans.find((span) => span.name === 'chat test/echo');
    const attempt = spans.find((span) => span !== request);
    assert.ok(request && attempt);
    assert.equal(request.attributes['switchyard.streamed'], true);
    assert.equal(request.attributes['gen_ai.usage.output_tokens'], result.usage.outputTokens.total);
    assert.equal(attempt.parentSpanContext?.spanId, request.spanContext().spanId);
    assert.equal(typeof attempt.attributes['switchyard.time_to_first_token_ms'], 'number');
    // The request span lasts until the stream's end, after the attempt's first token.
    const end = (time: [number, number]): number => time[0] * 1e3 + time[1] / 1e6;
    assert.ok(end(request.endTime) >= end(attempt.startTime));
  });

  it('records no message content and no provider key unless content recording is opted in', async () => {
    await fixture.router.generate({
      model: 'test/echo',
      system: 'system words',
      prompt: SECRET_PROMPT,
      providerOptions: OPENAI_FIRST,
    });
    const text = allAttributeText(exporter.getFinishedSpans());
    assert.ok(!text.includes(SECRET_PROMPT), 'the prompt is not recorded');
    assert.ok(!text.includes('system words'));
    assert.ok(!text.includes('You said'), 'the answer is not recorded');
    for (const key of [OPENAI_KEY, ANTHROPIC_KEY]) assert.ok(!text.includes(key));

    const recording = fixture.build({ telemetry: { openTelemetry: { tracer, metrics: false, recordContent: true } } });
    exporter.reset();
    await recording.generate({
      model: 'test/echo',
      system: 'system words',
      prompt: SECRET_PROMPT,
      providerOptions: OPENAI_FIRST,
    });
    await recording.close();
    const request = exporter.getFinishedSpans().find((span) => span.name === 'chat test/echo');
    assert.ok(request);
    const input = JSON.parse(String(request.attributes['gen_ai.input.messages']));
    assert.deepEqual(input, [{ role: 'user', parts: [{ type: 'text', content: SECRET_PROMPT }] }]);
    assert.deepEqual(JSON.parse(String(request.attributes['gen_ai.system_instructions'])), [
      { type: 'text', content: 'system words' },
    ]);
    const output = JSON.parse(String(request.attributes['gen_ai.output.messages']));
    assert.equal(output[0].parts[0].content, `You said: ${SECRET_PROMPT}`);
    const recorded = allAttributeText(exporter.getFinishedSpans());
    for (const key of [OPENAI_KEY, ANTHROPIC_KEY]) assert.ok(!recorded.includes(key));
  });

  it('records the GenAI client metrics: operation duration, token usage, requests and cost', async () => {
    const result = await fixture.router.generate({
      model: 'test/echo',
      prompt: 'count me',
      providerOptions: OPENAI_FIRST,
    });
    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    const byName = new Map(metrics.map((metric) => [metric.descriptor.name, metric]));
    const tokens = byName.get('gen_ai.client.token.usage') as HistogramMetricData | undefined;
    assert.ok(tokens);
    assert.equal(tokens.dataPointType, DataPointType.HISTOGRAM);
    assert.equal(tokens.descriptor.unit, '{token}');
    const types = new Set(tokens.dataPoints.map((point) => point.attributes['gen_ai.token.type']));
    assert.deepEqual([...types].sort(), ['input', 'output']);
    const duration = byName.get('gen_ai.client.operation.duration') as HistogramMetricData | undefined;
    assert.ok(duration);
    assert.equal(duration.descriptor.unit, 's');
    const ok = duration.dataPoints.find(
      (point) => point.attributes['gen_ai.provider.name'] === 'openai' && point.attributes['error.type'] === undefined,
    );
    assert.ok(ok && ok.value.count >= 1);
    const requests = byName.get('switchyard.requests');
    assert.ok(requests);
    const succeeded = requests.dataPoints.find((point) => point.attributes['switchyard.outcome'] === 'success');
    assert.ok(succeeded && Number(succeeded.value) >= 1);
    const cost = byName.get('switchyard.cost');
    assert.ok(cost);
    const total = cost.dataPoints.reduce((sum, point) => sum + Number(point.value), 0);
    assert.ok(total >= result.cost.total && result.cost.total > 0);
    const text = JSON.stringify(metrics);
    for (const key of [OPENAI_KEY, ANTHROPIC_KEY]) assert.ok(!text.includes(key));
  });

  it('continues the traceparent of an HTTP request through Express (same trace id, the caller span as parent)', async () => {
    const gateway = createGateway({
      router: {
        providers: {
          openai: { apiKey: OPENAI_KEY, baseURL: `${fixture.openai.baseURL}/v1` },
          anthropic: { apiKey: ANTHROPIC_KEY, baseURL: fixture.anthropic.baseURL },
        },
        telemetry: { openTelemetry: { tracer, metrics: false } },
      },
      apiKeys: [{ key: GATEWAY_KEY, id: 'key_test', account: 'team_test' }],
      logger: false,
    });
    const app = express();
    app.use(createGatewayMiddleware(gateway));
    const server = createServer(app);
    const origin = await listen(server);
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parentSpanId = '00f067aa0ba902b7';
      const client = new OpenAI({
        apiKey: GATEWAY_KEY,
        baseURL: `${origin}/v1`,
        maxRetries: 0,
        defaultHeaders: { traceparent: `00-${traceId}-${parentSpanId}-01`, tracestate: 'vendor=value' },
      });
      await client.chat.completions.create({
        model: 'openai/gpt-4o',
        messages: [{ role: 'user', content: 'trace me' }],
      });
      const stream = await client.chat.completions.create({
        model: 'openai/gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'trace my stream' }],
      });
      for await (const _chunk of stream) {
        /* read to the end */
      }
      await waitFor(() => exporter.getFinishedSpans().length === 4);
      const spans = exporter.getFinishedSpans();
      for (const span of spans) assert.equal(span.spanContext().traceId, traceId);
      const requests = spans.filter((span) => span.name === 'chat openai/gpt-4o');
      assert.equal(requests.length, 2);
      for (const request of requests) {
        assert.equal(request.parentSpanContext?.spanId, parentSpanId);
        assert.equal(request.parentSpanContext?.isRemote, true);
        assert.equal(request.spanContext().traceState?.get('vendor'), 'value');
        assert.equal(request.attributes['switchyard.account.id'], 'team_test');
      }
      const text = allAttributeText(spans);
      for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, GATEWAY_KEY]) assert.ok(!text.includes(secret));
      assert.ok(!text.includes('trace me'));
    } finally {
      await closeServer(server);
      await gateway.close();
    }
  });

  it('makes an embeddings span with its input tokens', async () => {
    const result = await fixture.router.embedMany({ model: 'openai/text-embedding-3-small', values: ['a', 'b'] });
    const spans = exporter.getFinishedSpans();
    const request = spans.find((span) => span.name === 'embeddings openai/text-embedding-3-small');
    assert.ok(request, spans.map((span) => span.name).join(', '));
    assert.equal(request.attributes['gen_ai.operation.name'], 'embeddings');
    assert.equal(request.attributes['gen_ai.usage.input_tokens'], result.usage.tokens);
    const attempt = spans.find((span) => span !== request);
    assert.ok(attempt);
    assert.equal(attempt.name, 'embeddings text-embedding-3-small');
    assert.equal(attempt.parentSpanContext?.spanId, request.spanContext().spanId);
  });

  it('rejects invalid telemetry options in the gateway configuration, each with its path', () => {
    assert.throws(
      () =>
        createGateway({
          providers: { openai: { apiKey: OPENAI_KEY } },
          telemetry: { openTelemetry: { recordContnt: true, metrics: 'yes', tracer: {} } } as never,
        }),
      (error: { details: { problems: Array<{ path: string }> } }) => {
        const paths = error.details.problems.map((problem) => problem.path).sort();
        assert.deepEqual(paths, [
          'telemetry.openTelemetry.metrics',
          'telemetry.openTelemetry.recordContnt',
          'telemetry.openTelemetry.tracer',
        ]);
        return true;
      },
    );
    const gateway = createGateway({
      providers: { openai: { apiKey: OPENAI_KEY } },
      telemetry: { openTelemetry: true },
    });
    void gateway.close();
  });

  it('starts a new trace for a request without a traceparent, and ignores a malformed one', async () => {
    await fixture.router.generate(
      { model: 'test/echo', prompt: 'Hi', providerOptions: OPENAI_FIRST },
      { traceContext: { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' } },
    );
    const request = exporter.getFinishedSpans().find((span) => span.name === 'chat test/echo');
    assert.ok(request);
    assert.equal(request.parentSpanContext, undefined);
    assert.notEqual(request.spanContext().traceId, '00000000000000000000000000000000');
  });
});
