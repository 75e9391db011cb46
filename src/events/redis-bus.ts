import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type { Redis } from 'ioredis';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { DomainEvent, DomainEventMap, DomainEventType } from './domain-events.js';
import { LocalDispatcher, type BusStatus, type EventBus } from './event-bus.js';

interface Envelope {
  origin: string;
  event?: DomainEvent;
  /** Sent by an instance that was cut off: everyone may have missed its events. */
  resync?: true;
}

/**
 * Cross-instance bus over Redis pub/sub. Local subscribers get events immediately (so an instance keeps
 * serving its own sockets while Redis is down); other instances get them through Redis.
 */
export class RedisBus implements EventBus {
  readonly instanceId = newId();
  private readonly local: LocalDispatcher;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private wasDisconnected = false;
  /** A publish was dropped: other instances may have missed our events even if our subscriber stayed up. */
  private publishDropped = false;
  private closing = false;

  constructor(
    url: string,
    keyPrefix: string,
    private readonly logger: Logger,
  ) {
    this.local = new LocalDispatcher(logger);
    this.channel = `${keyPrefix}:events`;
    const options = {
      // Fail fast instead of queueing: an event published during an outage is covered by resync.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(100 * times, 2_000),
      lazyConnect: false,
    };
    // Loaded when Redis is configured: a single instance never pays for ioredis at start.
    const { Redis } = createRequire(import.meta.url)('ioredis') as typeof IORedis;
    this.pub = new Redis(url, { ...options, connectionName: 'sc-pub' });
    this.sub = new Redis(url, { ...options, enableOfflineQueue: true, connectionName: 'sc-sub' });
    for (const [name, client] of [
      ['publisher', this.pub],
      ['subscriber', this.sub],
    ] as const) {
      client.on('error', (err: Error) => {
        if (!this.closing) this.logger.warn({ err: { message: err.message }, client: name }, 'redis error');
      });
      client.on('close', () => {
        if (!this.closing) this.wasDisconnected = true;
      });
    }
    this.pub.on('ready', () => {
      if (this.publishDropped) {
        this.publishDropped = false;
        this.send({ origin: this.instanceId, resync: true });
      }
    });
    this.sub.on('ready', () => {
      void this.sub
        .subscribe(this.channel)
        .catch((err: unknown) => this.logger.warn({ err }, 'redis subscribe failed'));
      if (this.wasDisconnected) {
        this.wasDisconnected = false;
        this.logger.info('redis reconnected: asking clients to resync');
        this.local.resync();
        this.send({ origin: this.instanceId, resync: true });
      }
    });
    this.sub.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      let envelope: Envelope;
      try {
        envelope = JSON.parse(raw) as Envelope;
      } catch {
        this.logger.warn('unparsable bus message ignored');
        return;
      }
      if (envelope.origin === this.instanceId) return;
      if (envelope.resync) this.local.resync();
      else if (envelope.event) this.local.dispatch(envelope.event);
    });
  }

  publish(event: DomainEvent): void {
    queueMicrotask(() => this.local.dispatch(event));
    this.send({ origin: this.instanceId, event });
  }

  private send(envelope: Envelope): void {
    if (this.pub.status !== 'ready') {
      this.publishDropped = true;
      return;
    }
    this.pub.publish(this.channel, JSON.stringify(envelope)).catch((err: unknown) => {
      this.publishDropped = true;
      this.logger.warn({ err: { message: (err as Error).message } }, 'redis publish failed');
    });
  }

  on<K extends DomainEventType>(type: K, handler: (payload: DomainEventMap[K]) => void | Promise<void>): () => void {
    return this.local.on(type, handler);
  }

  onResync(handler: () => void): () => void {
    return this.local.onResync(handler);
  }

  status(): BusStatus {
    return this.pub.status === 'ready' && this.sub.status === 'ready' ? 'ok' : 'degraded';
  }

  async close(): Promise<void> {
    this.closing = true;
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
