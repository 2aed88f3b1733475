/**
 * `telemetry: { openTelemetry: true }` with the app's own SDK registered globally (tracer provider and an
 * AsyncLocalStorage context manager, as NodeSDK does): spans go to the global tracer, the request span is a
 * child of the app's active span (which wins over a `traceparent` handed in), and spans the app makes inside
 * the provider call's context (an HTTP instrumentation would) are children of the request span.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RequestMiddleware } from '../../../src/middleware/middleware.js';
import { startRouterFixture, type RouterFixture } from '../../helpers/router-fixture.js';

describe('OpenTelemetry through the global API', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new AsyncLocalStorageContextManager();
  let fixture: RouterFixture;

  beforeAll(async () => {
    context.setGlobalContextManager(manager.enable());
    trace.setGlobalTracerProvider(provider);
    // Stands in for an instrumented HTTP client: a span made in the context the provider call runs in.
    const inner: RequestMiddleware = {
      name: 'inner',
      async wrapGenerate(_run, next) {
        trace.getTracer('app').startSpan('inside').end();
        return next();
      },
    };
    fixture = await startRouterFixture({ telemetry: { openTelemetry: { metrics: false } }, middleware: [inner] });
  });
  afterAll(async () => {
    await fixture.router.close();
    await fixture.close();
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('parents the request span on the active span, and spans made inside it on the request span', async () => {
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('app request', async (appSpan) => {
      await fixture.router.generate(
        { model: 'test/echo', prompt: 'Hi', providerOptions: { gateway: { only: ['openai'] } } },
        { traceContext: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } },
      );
      appSpan.end();
    });
    const spans = exporter.getFinishedSpans();
    const app = spans.find((span) => span.name === 'app request');
    const request = spans.find((span) => span.name === 'chat test/echo');
    const inside = spans.find((span) => span.name === 'inside');
    const attempt = spans.find((span) => span.name === 'chat gpt-4o-mini');
    assert.ok(app && request && inside && attempt, spans.map((span) => span.name).join(', '));
    assert.equal(request.parentSpanContext?.spanId, app.spanContext().spanId);
    assert.equal(request.spanContext().traceId, app.spanContext().traceId);
    assert.equal(inside.parentSpanContext?.spanId, request.spanContext().spanId);
    assert.equal(attempt.parentSpanContext?.spanId, request.spanContext().spanId);
    assert.equal(request.instrumentationScope.name, 'switchyard');
  });
});
