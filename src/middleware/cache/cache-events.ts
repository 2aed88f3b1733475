/**
 * What the exact and the semantic cache emit: `cache` events of their kind, and a `cache_unavailable` warning
 * when their store fails, at most one every 5 s.
 *
 * @module
 */
import type { CacheEvent, RouterEvents } from '../../core/events.js';
import type { CacheHit } from '../../router/router-types.js';
import type { MiddlewareHost, RequestRun } from '../middleware.js';

/**
 * Where a cache's events go: the router's `emit` (`router.emit.bind(router)`), or any function of the
 * same shape.
 *
 * @example
 * ```ts
 * const emit: CacheEventSink = (event, payload) => console.log(event, payload);
 * ```
 */
export type CacheEventSink = <E extends 'cache' | 'warning'>(event: E, ...args: RouterEvents[E]) => unknown;

const WARNING_INTERVAL_MS = 5_000;

/**
 * A cache's events: `sink` is set from the config, or by `attach`.
 *
 * @example
 * ```ts
 * const events = new CacheEvents('exact', Date.now, 'The response cache', config.emit);
 * events.event(run, 'miss', { key });
 * events.failed('be read', error);
 * ```
 */
export class CacheEvents {
  private lastWarning = -Infinity;

  constructor(
    private readonly kind: CacheEvent['kind'],
    private readonly now: () => number,
    /** Names the cache in warnings: `The response cache`, `The semantic cache`. */
    private readonly subject: string,
    public sink: CacheEventSink | undefined,
  ) {}

  /** Where hits are recorded before they are served (the router's hooks: billing); set by `attach`. */
  recorder: MiddlewareHost['recordCacheHit'] | undefined;

  /**
   * A hit is about to be served: the router's hooks record it (and may refuse it by throwing). Awaits nothing when
   * no hook listens.
   */
  recordHit(run: RequestRun, hit: Omit<CacheHit, 'kind'>): Promise<void> | undefined {
    return this.recorder?.(run, { kind: this.kind, ...hit });
  }

  /** Takes the router's hit recorder when the cache is attached to a router (anything else: none). */
  attachRecorder(target: { recordCacheHit?: MiddlewareHost['recordCacheHit'] }): void {
    this.recorder = target.recordCacheHit?.bind(target);
  }

  /** A `cache` event of this request. */
  event(run: RequestRun, outcome: CacheEvent['outcome'], fields: Partial<CacheEvent> = {}): void {
    this.sink?.('cache', {
      requestId: run.requestId,
      kind: this.kind,
      outcome,
      operation: run.operation,
      model: run.model,
      account: run.account,
      ...fields,
    });
  }

  /** The store failed `action` (`be read`, `store an answer`): a warning, at most one every 5 s. */
  failed(action: string, error: unknown): void {
    const time = this.now();
    if (!this.sink || time - this.lastWarning < WARNING_INTERVAL_MS) return;
    this.lastWarning = time;
    const message = error instanceof Error ? error.message : String(error);
    this.sink('warning', {
      code: 'cache_unavailable',
      message: `${this.subject} could not ${action}: ${message}; requests are served without it`,
    });
  }
}
