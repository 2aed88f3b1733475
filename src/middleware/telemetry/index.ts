/**
 * Telemetry: OpenTelemetry spans and metrics (a request middleware), and Prometheus metrics fed from the
 * router's events (served by the `/metrics` dialect). Both load their optional peer only when configured.
 *
 * @module
 */
export {
  openTelemetry,
  telemetryMiddleware,
  type OpenTelemetryMeter,
  type OpenTelemetryOptions,
  type OpenTelemetryTracer,
  type TelemetryConfig,
} from './open-telemetry.js';
export {
  METRICS_LABELS,
  PrometheusMetrics,
  type MetricsConfig,
  type MetricsLabel,
  type MetricsSource,
  type PrometheusRegistry,
} from './prometheus-metrics.js';
export { parseTraceparent, type ParsedTraceparent, type TraceContext } from './trace-context.js';
export { genAiFinishReason, genAiOperationName, genAiProviderName } from './gen-ai-attributes.js';
