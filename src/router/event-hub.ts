/**
 * The router's typed events: every listener is wrapped so that a throwing or rejecting listener never
 * fails a request (it is reported as `listener-error`).
 *
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import type { RouterEventName, RouterEvents } from '../core/events.js';

/**
 * Typed events with guarded listeners; the {@link Router} is one.
 *
 * @example
 * ```ts
 * class Service extends EventHub {}
 * new Service().on('usage', (event) => console.log(event.cost.total));
 * ```
 */
export class EventHub {
  private readonly emitter = new EventEmitter();
  private readonly wrappedListeners = new WeakMap<(...args: never[]) => unknown, (...args: unknown[]) => void>();

  /**
   * Subscribes to an event. A listener that throws or rejects is reported as `listener-error`, never to the request.
   */
  on<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): this {
    this.emitter.on(event, this.wrap(event, listener));
    return this;
  }

  /** Subscribes to the next occurrence of an event only. */
  once<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): this {
    this.emitter.once(event, this.wrap(event, listener));
    return this;
  }

  /** Unsubscribes a listener. */
  off<E extends RouterEventName>(event: E, listener: (...args: RouterEvents[E]) => unknown): this {
    const wrapped = this.wrappedListeners.get(listener as (...args: never[]) => unknown);
    if (wrapped) this.emitter.off(event, wrapped);
    return this;
  }

  /** Emits an event (the billing layer emits `budget` and `warning` through here). */
  emit<E extends RouterEventName>(event: E, ...args: RouterEvents[E]): boolean {
    return this.emitter.emit(event, ...args);
  }

  /** The number of listeners of an event. */
  listenerCount(event: RouterEventName): number {
    return this.emitter.listenerCount(event);
  }

  /** Drops every listener. */
  protected removeAllListeners(): void {
    this.emitter.removeAllListeners();
  }

  private wrap<E extends RouterEventName>(
    event: E,
    listener: (...args: RouterEvents[E]) => unknown,
  ): (...args: unknown[]) => void {
    const existing = this.wrappedListeners.get(listener as (...args: never[]) => unknown);
    if (existing) return existing;
    const wrapped = (...args: unknown[]): void => {
      try {
        const returned = (listener as (...args: unknown[]) => unknown)(...args);
        if (returned && typeof (returned as Promise<unknown>).then === 'function') {
          (returned as Promise<unknown>).then(undefined, (error: unknown) => this.reportListenerError(event, error));
        }
      } catch (error) {
        this.reportListenerError(event, error);
      }
    };
    this.wrappedListeners.set(listener as (...args: never[]) => unknown, wrapped);
    return wrapped;
  }

  private reportListenerError(event: string, error: unknown): void {
    if (event === 'listener-error') return;
    this.emit('listener-error', { event, error });
  }
}
