import type { Logger } from '../core/logger.js';
import type { DomainEvent, DomainEventMap, DomainEventType } from './domain-events.js';

export type BusStatus = 'in-process' | 'ok' | 'degraded';

/**
 * Delivers committed domain events to every subscriber on every instance.
 * Delivery is at-most-once and is a wake-up signal only: the database is the truth, and when
 * cross-instance delivery may have dropped events the bus says so through `onResync`.
 */
export interface EventBus {
  publish(event: DomainEvent): void;
  on<K extends DomainEventType>(type: K, handler: (payload: DomainEventMap[K]) => void | Promise<void>): () => void;
  /** Called when events from other instances may have been missed (Redis came back after an outage). */
  onResync(handler: () => void): () => void;
  status(): BusStatus;
  close(): Promise<void>;
}

/** Local fan-out shared by both implementations: handler failures are logged, never thrown at the publisher. */
export class LocalDispatcher {
  private readonly handlers = new Map<string, Set<(payload: never) => unknown>>();
  private readonly resyncHandlers = new Set<() => void>();

  constructor(private readonly logger: Logger) {}

  dispatch(event: DomainEvent): void {
    for (const listener of this.handlers.get(event.type) ?? []) {
      try {
        const result = (listener as (p: unknown) => unknown)(event.payload);
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.logger.error({ err, event: event.type }, 'event handler failed'));
        }
      } catch (err) {
        this.logger.error({ err, event: event.type }, 'event handler failed');
      }
    }
  }

  on<K extends DomainEventType>(type: K, handler: (payload: DomainEventMap[K]) => void | Promise<void>): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  resync(): void {
    for (const handler of this.resyncHandlers) {
      try {
        handler();
      } catch (err) {
        this.logger.error({ err }, 'resync handler failed');
      }
    }
  }
}

/** The embedded default: one process, no Redis. */
export class InProcessBus implements EventBus {
  private readonly local: LocalDispatcher;
  constructor(logger: Logger) {
    this.local = new LocalDispatcher(logger);
  }
  publish(event: DomainEvent): void {
    // Deliver on the next tick so a publisher never runs subscribers inside its own call stack.
    queueMicrotask(() => this.local.dispatch(event));
  }
  on<K extends DomainEventType>(type: K, handler: (payload: DomainEventMap[K]) => void | Promise<void>): () => void {
    return this.local.on(type, handler);
  }
  onResync(handler: () => void): () => void {
    return this.local.onResync(handler);
  }
  status(): BusStatus {
    return 'in-process';
  }
  async close(): Promise<void> {}
}
