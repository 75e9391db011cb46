import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics for one app instance. A registry per app (no global), so tests can run several apps
 * in one process. Default metrics include event-loop lag (nodejs_eventloop_lag_seconds).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly openSockets: Gauge<'namespace'>;
  readonly messageBatches: Histogram;
  readonly messagesCommitted: Counter;

  /** Set by the realtime layer once Socket.IO exists. */
  socketCounts: () => Record<string, number> = () => ({});

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sc_' });
    this.httpRequests = new Counter({
      name: 'sc_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'sc_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.messageBatches = new Histogram({
      name: 'sc_message_batch_size',
      help: 'Messages written per group commit (one transaction, one fsync)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers: [this.registry],
    });
    this.messagesCommitted = new Counter({
      name: 'sc_messages_committed_total',
      help: 'Messages committed by the send path',
      registers: [this.registry],
    });
    const counts = (): Record<string, number> => this.socketCounts();
    this.openSockets = new Gauge({
      name: 'sc_open_sockets',
      help: 'Open Socket.IO connections, by namespace',
      labelNames: ['namespace'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [namespace, n] of Object.entries(counts())) this.set({ namespace }, n);
      },
    });
  }
}
