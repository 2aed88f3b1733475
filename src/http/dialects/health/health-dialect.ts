/**
 * Health probes for load balancers and orchestrators, both public (no key): `GET /healthz` answers 200
 * while the process is alive; `GET /readyz` answers 200 when the gateway can serve (the store answers, at
 * least one configured offering is available: its breaker is not open) and 503 with the reasons when not,
 * or while the process is shutting down (so that a load balancer stops sending it requests).
 *
 * @module
 */
import { listModels, type DirectorySource } from '../../../catalog/model-directory.js';
import type { StateStore } from '../../../store/store.js';
import { jsonResponse } from '../../responses.js';
import { aiGatewayErrorBody } from '../ai-gateway/ai-gateway-dialect.js';
import type { Dialect } from '../dialect.js';

/**
 * What `/readyz` checks.
 *
 * @example
 * ```ts
 * const options: HealthDialectOptions = { store: () => gateway.store, draining: () => stopping };
 * ```
 */
export interface HealthDialectOptions {
  /** The store to ping (a function when it is built after the dialect, as `createGateway` does). */
  store?: StateStore | (() => StateStore | undefined);
  /** True while the process is shutting down: `/readyz` answers 503 so that traffic goes elsewhere. */
  draining?: () => boolean;
  /** How long the store may take to answer the ping (default 2 000 ms). */
  storeTimeoutMs?: number;
}

/**
 * The readiness of a gateway: whether it can serve, and why not.
 *
 * @example
 * ```ts
 * const readiness: Readiness = { ready: false, reasons: ['the store is unreachable: ...'] };
 * ```
 */
export interface Readiness {
  ready: boolean;
  /** Why it is not ready (empty when it is). */
  reasons: string[];
  /** Configured offerings whose breaker lets requests through, of all configured offerings. */
  offerings: { available: number; configured: number };
  store: 'ok' | 'unreachable' | 'none';
}

/**
 * The `/healthz` and `/readyz` routes as a dialect. `switchyard serve` mounts it; in a library setup,
 * pass it in `dialects` beside the built-in ones.
 *
 * @example
 * ```ts
 * let gateway: Gateway | undefined;
 * const health = createHealthDialect({ store: () => gateway?.store });
 * gateway = createGateway({ providers, dialects: ['openai', 'anthropic', 'ai-gateway', health] });
 * ```
 */
export function createHealthDialect(options: HealthDialectOptions = {}): Dialect {
  return {
    name: 'health',
    routes: [
      {
        method: 'GET',
        path: '/healthz',
        public: true,
        handle: async () => jsonResponse(200, { status: 'ok' }, { 'cache-control': 'no-store' }),
      },
      {
        method: 'GET',
        path: '/readyz',
        public: true,
        handle: async (context) => {
          const readiness = await checkReadiness(context.router, options);
          return jsonResponse(
            readiness.ready ? 200 : 503,
            { status: readiness.ready ? 'ready' : 'not_ready', ...readiness },
            { 'cache-control': 'no-store' },
          );
        },
      },
    ],
    errorBody: aiGatewayErrorBody,
  };
}

/**
 * Checks whether a gateway can serve: the store answers a read, and at least one configured offering's
 * breaker lets requests through.
 *
 * @example
 * ```ts
 * const { ready, reasons } = await checkReadiness(gateway.router, { store: gateway.store });
 * ```
 */
export async function checkReadiness(router: DirectorySource, options: HealthDialectOptions = {}): Promise<Readiness> {
  const reasons: string[] = [];
  if (options.draining?.()) reasons.push('the process is shutting down');
  const store = typeof options.store === 'function' ? options.store() : options.store;
  let storeState: Readiness['store'] = 'none';
  if (store) {
    const timeoutMs = options.storeTimeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.readCounter('readyz'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      storeState = 'ok';
    } catch (error) {
      storeState = 'unreachable';
      reasons.push(`the store is unreachable: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
  let configured = 0;
  let available = 0;
  for (const listed of listModels(router, undefined)) {
    for (const offering of listed.offerings) {
      configured += 1;
      if (offering.available) available += 1;
    }
  }
  if (configured === 0) reasons.push('no configured provider serves a model of the catalog');
  else if (available === 0) reasons.push(`every configured offering (${configured}) has its breaker open`);
  return { ready: reasons.length === 0, reasons, offerings: { available, configured }, store: storeState };
}
