/**
 * The `/metrics` dialect: the Prometheus scrape endpoint (`GET /metrics` by default), in the text exposition
 * format, fed from the router's events (see {@link PrometheusMetrics}). Mounted only when the handler's
 * `metrics` option is set. With a `key`, a scrape must send `Authorization: Bearer <key>`; with
 * `key: 'admin'`, an admin key; without one, the endpoint is public.
 *
 * @module
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../../../core/errors.js';
import { MIN_ADMIN_KEY_LENGTH } from '../../admin-access.js';
import { singleHeader } from '../../headers.js';
import type { HttpHeaders } from '../../http-types.js';
import {
  PrometheusMetrics,
  type MetricsConfig,
  type MetricsSource,
} from '../../../middleware/telemetry/prometheus-metrics.js';
import type { Dialect } from '../dialect.js';

/** The default path of the scrape endpoint. @example `DEFAULT_METRICS_PATH // '/metrics'` */
export const DEFAULT_METRICS_PATH = '/metrics';

/**
 * The metrics dialect and the metrics behind it (closed with the handler).
 *
 * @example
 * ```ts
 * const dialect: MetricsDialect = createMetricsDialect(true, router);
 * ```
 */
export interface MetricsDialect extends Dialect {
  readonly metrics: PrometheusMetrics;
  close(): void;
}

/**
 * Builds the `/metrics` dialect over a router's events.
 *
 * @throws GatewayError `config_invalid` when the router has no events (`on`/`off`) or the key is too short.
 *
 * @example
 * ```ts
 * createGatewayHandler({ router, metrics: { key: process.env.METRICS_KEY } }); // mounts it
 * ```
 */
export function createMetricsDialect(config: true | MetricsConfig, router: unknown): MetricsDialect {
  const options: MetricsConfig = config === true ? {} : config;
  if (!isMetricsSource(router))
    throw new GatewayError('config_invalid', '`metrics` needs a Router (the metrics are fed from its events)');
  const path = options.path ?? DEFAULT_METRICS_PATH;
  if (!path.startsWith('/') || /[\s?#]/.test(path))
    throw new GatewayError('config_invalid', '`metrics.path` must be a path such as "/metrics"');
  const key = options.key;
  if (key !== undefined && key !== 'admin' && (typeof key !== 'string' || key.length < MIN_ADMIN_KEY_LENGTH))
    throw new GatewayError(
      'config_invalid',
      `\`metrics.key\` must be 'admin' or a key of at least ${MIN_ADMIN_KEY_LENGTH} characters`,
    );
  const digest = key !== undefined && key !== 'admin' ? sha256(key) : undefined;
  const metrics = new PrometheusMetrics(router, options);
  return {
    name: 'metrics',
    metrics,
    close: () => metrics.close(),
    errorBody: (error) => ({ error: { message: error.message, code: error.code } }),
    routes: [
      {
        method: 'GET',
        path,
        ...(key === 'admin' ? { admin: true } : { public: true }),
        async handle(context) {
          if (digest && !presents(context.headers, digest)) {
            throw new GatewayError(
              'unauthorized',
              'This endpoint needs the metrics key: send it in the Authorization header as a Bearer token',
            );
          }
          const { contentType, body } = await metrics.render();
          return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
        },
      },
    ],
  };
}

function isMetricsSource(value: unknown): value is MetricsSource {
  const candidate = value as { on?: unknown; off?: unknown } | null;
  return typeof candidate?.on === 'function' && typeof candidate.off === 'function';
}

/** Whether the request's Bearer token is the key (compared as SHA-256 digests, in constant time). */
function presents(headers: HttpHeaders, digest: Buffer): boolean {
  const authorization = singleHeader(headers.authorization);
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  return match !== null && timingSafeEqual(sha256(match[1].trim()), digest);
}

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}
