/**
 * Protocol adapters: how a messaging scenario (chat, throughput, kill -9, two instances, reconnect storm) talks
 * to a server. The scenarios own the schedule, the clocks and the counting; an adapter only knows how to open a
 * conversation between two participants, send one message and get its acknowledgement, and hand over what a
 * participant receives. Adapters run inside load-generator worker processes, so both participants of a pair
 * live in the same process and every latency is measured on that process's one monotonic clock.
 */

/** The server's acknowledgement of one message: its id and its sequence number in the conversation. */
export interface Ack {
  id: string;
  seq: number;
}

export interface Participant {
  /**
   * Sends `body` now, without waiting for anything else (the caller keeps the open-loop schedule), and calls
   * `done` exactly once: with the server's ack, or with an error reason (a refused or failed send). The caller
   * times out sends that are never answered.
   */
  send(body: string, done: (error: string | undefined, ack?: Ack) => void): void;
  /** Closes this participant's connection(s). */
  close(): void;
}

export interface PairHandlers {
  /** A message arrived for participant `side` (0 or 1), with the body as the sender wrote it. */
  onMessage(side: 0 | 1, body: string): void;
  /** A participant's connection ended unexpectedly (counted, not retried, unless the scenario says so). */
  onDisconnect(side: 0 | 1, reason: string): void;
}

export interface OpenPairOptions {
  /** Unique across the run (worker offset + local index): names rooms, conversations, users. */
  index: number;
  /** Server base URLs; participant 0 uses urls[0], participant 1 urls[1 % urls.length] (two instances). */
  urls: readonly string[];
  /** What the adapter's `prepare` returned in the runner for this target (staff tokens, …), or undefined. */
  prepared: unknown;
  timeoutMs: number;
}

/** Worker-side half of an adapter. */
export interface MessagingAdapter {
  readonly name: string;
  /** Opens one conversation between two connected participants; resolves when both can send and receive. */
  openPair(options: OpenPairOptions, handlers: PairHandlers): Promise<[Participant, Participant]>;
}

/** Runner-side half of an adapter (optional hooks, run once per server target in the runner process). */
export interface MessagingAdapterSetup {
  /**
   * E.g. create agent accounts and sign them in; the JSON-serialisable result reaches `openPair`. `conversations`
   * (when the caller knows it) is how many pairs will be opened, so staff can be sized to them.
   */
  prepare?(target: {
    urls: readonly string[];
    databaseEnv: Record<string, string>;
    conversations?: number;
  }): Promise<unknown>;
  /**
   * kill -9: after the server is killed and restarted, count how many times each acknowledged message id is
   * stored (the scenario expects exactly once each).
   */
  countStored?(
    target: { databaseEnv: Record<string, string> },
    ackedIds: readonly string[],
  ): Promise<Map<string, number>>;
}
