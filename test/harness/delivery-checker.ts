/**
 * The delivery checker: records every send, acknowledgement and receipt per client and asserts what the product
 * promises — no acknowledged message lost, no duplicates, the same order for every participant, nothing from a
 * conversation a client may not read, and resumes that replay exactly what was missed.
 */
import type { Socket } from 'socket.io-client';
import type { MessageView, SyncResult } from '../../src/shared/conversations.js';

export interface TrackedClient {
  name: string;
  /** Visitors and customers number on the public sequence, staff on the full one. */
  side: 'public' | 'staff';
  socket: Socket;
  /** Conversations this client may read. */
  allowed: Set<string>;
  /** Per conversation: seq → message, as received (live or by sync). */
  received: Map<string, Map<number, MessageView>>;
  /** Every receipt in arrival order (for duplicate detection). */
  log: { conversationId: string; seq: number; id: string; via: 'live' | 'sync' | 'ack' }[];
  /** Acks of this client's own sends: clientMsgId → {id, seq}. */
  acks: Map<string, { id: string; seq: number; conversationId: string }>;
  lastSeq(conversationId: string): number;
}

export class DeliveryChecker {
  readonly clients: TrackedClient[] = [];
  readonly violations: string[] = [];

  track(name: string, socket: Socket, allowed: string[], side: 'public' | 'staff' = 'public'): TrackedClient {
    const client: TrackedClient = {
      name,
      side,
      socket,
      allowed: new Set(allowed),
      received: new Map(),
      log: [],
      acks: new Map(),
      lastSeq(conversationId) {
        const seqs = [...(this.received.get(conversationId)?.keys() ?? [])];
        return seqs.length === 0 ? 0 : Math.max(...seqs);
      },
    };
    socket.on('message:new', ({ message }: { message: MessageView }) => this.record(client, message, 'live'));
    this.clients.push(client);
    return client;
  }

  record(client: TrackedClient, message: MessageView, via: 'live' | 'sync' | 'ack'): void {
    if (!client.allowed.has(message.conversationId)) {
      this.violations.push(
        `${client.name} received a message of conversation ${message.conversationId} it may not read`,
      );
    }
    client.log.push({ conversationId: message.conversationId, seq: message.seq, id: message.id, via });
    let bySeq = client.received.get(message.conversationId);
    if (!bySeq) client.received.set(message.conversationId, (bySeq = new Map()));
    const existing = bySeq.get(message.seq);
    if (existing && existing.id !== message.id) {
      this.violations.push(
        `${client.name}: seq ${message.seq} of ${message.conversationId} is both ${existing.id} and ${message.id}`,
      );
    }
    bySeq.set(message.seq, message);
  }

  /** Sends and records the ack (or the error) for this client. */
  async send(
    client: TrackedClient,
    conversationId: string,
    clientMsgId: string,
    text: string,
    extra: Record<string, unknown> = {},
  ) {
    const ack = (await client.socket
      .timeout(10_000)
      .emitWithAck('message:send', { conversationId, clientMsgId, text, ...extra })) as
      { ok: true; message: MessageView } | { error: { code: string } };
    if ('ok' in ack && ack.ok) {
      client.acks.set(clientMsgId, { id: ack.message.id, seq: ack.message.seq, conversationId });
      // The sending socket holds its message from the ack (the live frame goes to the author's other sockets).
      this.record(client, ack.message, 'ack');
    }
    return ack;
  }

  /** Resumes from the client's last seq, page by page, as a reconnecting client does. */
  async resume(client: TrackedClient, conversationId: string): Promise<number> {
    let after = client.lastSeq(conversationId);
    let replayed = 0;
    for (;;) {
      const r = (await client.socket
        .timeout(10_000)
        .emitWithAck('conversation:sync', { conversationId, after, limit: 100 })) as
        ({ ok: true } & SyncResult) | { error: { code: string } };
      if (!('ok' in r)) throw new Error(`sync failed: ${JSON.stringify(r)}`);
      for (const m of r.messages) {
        if (m.seq <= after) this.violations.push(`${client.name}: resume after ${after} replayed seq ${m.seq}`);
        this.record(client, m, 'sync');
        replayed++;
      }
      if (!r.hasMore) return replayed;
      after = r.messages[r.messages.length - 1]!.seq;
    }
  }

  /**
   * Checks every invariant; `expected` maps `<side>:<conversation>` → the ids every reader on that side must
   * hold, in order (staff see notes, the public side does not).
   * Returns the violations (empty when all is well).
   */
  verify(expected: Map<string, string[]>): string[] {
    const problems = [...this.violations];
    for (const client of this.clients) {
      // Every acknowledged send is present at the sender, at its acked seq.
      for (const [clientMsgId, ack] of client.acks) {
        const got = client.received.get(ack.conversationId)?.get(ack.seq);
        if (got?.id !== ack.id)
          problems.push(`${client.name}: acked ${clientMsgId} (seq ${ack.seq}) missing or different`);
      }
      for (const conversationId of client.allowed) {
        const want = expected.get(`${client.side}:${conversationId}`);
        if (!want) continue;
        const bySeq = client.received.get(conversationId) ?? new Map<number, MessageView>();
        const seqs = [...bySeq.keys()].sort((a, b) => a - b);
        // Gapless: 1..n with nothing missing.
        seqs.forEach((s, i) => {
          if (s !== i + 1) problems.push(`${client.name}: gap in ${conversationId} at position ${i + 1} (seq ${s})`);
        });
        const ids = seqs.map((s) => bySeq.get(s)!.id);
        if (ids.join() !== want.join()) {
          problems.push(
            `${client.name}: ${conversationId} holds ${ids.length} messages, expected ${want.length} in the same order`,
          );
        }
        // No message pushed twice: neither two live frames, nor a live frame of what this socket's ack brought.
        const pushed = client.log
          .filter((l) => l.conversationId === conversationId && l.via !== 'sync')
          .map((l) => l.id);
        if (new Set(pushed).size !== pushed.length)
          problems.push(`${client.name}: duplicate live delivery in ${conversationId}`);
      }
    }
    return problems;
  }
}
