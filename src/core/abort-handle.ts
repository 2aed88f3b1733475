/**
 * Aborts without an `AbortSignal` until someone asks for one. On Node 20 an `AbortSignal` is an
 * `EventTarget`: making one, listening to it and unlistening cost several microseconds, on every
 * request, for an abort that almost never comes (a client that leaves, an attempt that times out).
 * The gateway's own layers (the HTTP bridge, the router, `nodeFetch`) pass an {@link AbortHandle}
 * instead, and build its `signal` only where code outside them needs a real one.
 *
 * @module
 */

/**
 * An abort source cheaper than an `AbortSignal`, which `nodeFetch` and the router follow without
 * one. `signal` builds an `AbortSignal` on demand for whoever needs a real signal.
 *
 * @example
 * ```ts
 * const onAbort = (): void => console.log('aborted:', abort.reason);
 * if (!abort.aborted) abort.listen(onAbort);
 * ```
 */
export interface TransportAbort {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** An `AbortSignal` that follows this source, made on first use. */
  readonly signal: AbortSignal;
  /** Calls `listener` when the source aborts (once; not if it already has). */
  listen(listener: () => void): void;
  /** Stops calling `listener`. */
  unlisten(listener: () => void): void;
}

/**
 * The key under which a provider call from the router carries its attempt's {@link TransportAbort},
 * beside `abortSignal` (which is built from it on first read). `transportSignalOptions` prefers it.
 */
export const ATTEMPT_ABORT: unique symbol = Symbol('switchyard.attemptAbort');

/**
 * The reason an abort without one gets, as `AbortController` gives it: a DOMException `AbortError`.
 *
 * @example
 * ```ts
 * reject(signal.reason ?? abortError());
 * ```
 */
export function abortError(): DOMException {
  return new DOMException('This operation was aborted', 'AbortError');
}

/** Either kind of abort source. */
export type AbortSource = AbortSignal | TransportAbort;

/**
 * A {@link TransportAbort} that aborts when told to: one listener slot (and a list past it), and an
 * `AbortSignal` only once `signal` is read.
 *
 * @example
 * ```ts
 * const abort = new AbortHandle();
 * response.on('close', () => abort.abort());
 * await router.generate({ model, prompt }, { abort });
 * ```
 */
export class AbortHandle implements TransportAbort {
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | undefined;
  private listener: (() => void) | undefined;
  private moreListeners: Array<() => void> | undefined;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /**
   * Aborts (once): the signal, if one was built, then the listeners. No reason means an `AbortError`, as
   * `AbortController` gives.
   */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? abortError();
    this.controller?.abort(this.reason);
    const { listener, moreListeners } = this;
    this.listener = this.moreListeners = undefined;
    listener?.();
    if (moreListeners) for (const each of moreListeners) each();
  }

  listen(listener: () => void): void {
    if (this.aborted) return;
    if (this.listener === undefined) this.listener = listener;
    else (this.moreListeners ??= []).push(listener);
  }

  unlisten(listener: () => void): void {
    if (this.listener === listener) this.listener = undefined;
    else if (this.moreListeners) {
      const index = this.moreListeners.indexOf(listener);
      if (index >= 0) this.moreListeners.splice(index, 1);
    }
  }
}

/**
 * Calls `listener` once when `source` aborts.
 *
 * @example
 * ```ts
 * listenTo(source, onAbort);
 * ```
 */
export function listenTo(source: AbortSource, listener: () => void): void {
  if (source instanceof AbortSignal) source.addEventListener('abort', listener, { once: true });
  else source.listen(listener);
}

/**
 * Stops {@link listenTo}'s listener.
 *
 * @example
 * ```ts
 * unlistenTo(source, onAbort);
 * ```
 */
export function unlistenTo(source: AbortSource, listener: () => void): void {
  if (source instanceof AbortSignal) source.removeEventListener('abort', listener);
  else source.unlisten(listener);
}

/**
 * The `AbortSignal` of either kind of source.
 *
 * @example
 * ```ts
 * const signal = signalOf(source);
 * ```
 */
export function signalOf(source: AbortSource): AbortSignal {
  return source instanceof AbortSignal ? source : source.signal;
}
