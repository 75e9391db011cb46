import type { Config } from '../../config/config.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { withLock } from '../../db/lock.js';
import { inTransaction } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import { findConversation, type MessageRow } from '../conversations/conversation.repository.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { JobsRunner } from '../../jobs/jobs-runner.js';
import type { Mailer } from '../mail/mailer.js';
import { ownerPresenceKey, type PresenceService } from '../presence/presence.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import {
  deleteQueuedReplies,
  findConversationMail,
  listPendingReplyMail,
  listQueuedReplies,
  queueOfflineReplies,
  updateConversationMail,
  type PendingReplyMail,
} from './continuity.repository.js';
import { indent } from './mail-text.js';
import type { ResumeService } from './resume.service.js';

export interface ReplyMailDeps {
  config: Config;
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  presence: PresenceService;
  conversations: ConversationService;
  settings: SettingsService;
  resume: ResumeService;
  jobs: JobsRunner;
}

/** Outbox topic written by the message writer for agent replies in conversations with an address. */
export const REPLY_MAIL_TOPIC = 'reply-mail.queue';
/** The jobs-runner task that sends due reply e-mails. */
export const REPLY_MAIL_TASK = 'reply-mail.send';

const LOCK = 'offline-reply-mail';
const LOCK_TTL_MS = 5 * 60_000;
/** Safety net behind the per-reply wake-ups: every instance looks for due mail this often. */
export const REPLY_MAIL_SWEEP_MS = 60_000;
const SWEEP_MS = REPLY_MAIL_SWEEP_MS;
const CONVERSATIONS_PER_PASS = 50;
/** Conversations looked at per pass: throttled ones (not due yet) must not hide due ones behind them. */
const PENDING_SCAN = 1_000;
const MAX_ATTEMPTS = 5;

/**
 * E-mails agent replies to visitors (and customers) who are not connected, when the conversation has an
 * address and SMTP is configured.
 *
 * Exactly once across instances:
 * 1. The message writer writes an outbox row (topic `reply-mail.queue`) for every agent reply in a conversation
 *    with an address, in the reply's own transaction; the jobs runner hands each row to `queueReply` once
 *    (src/jobs/jobs-runner.ts). It checks presence on every instance (Redis) and queues the reply in the database
 *    (`offline_reply_queue`, keyed by message id, so a repeated row changes nothing).
 * 2. Sending happens under the database lease `offline-reply-mail` (one sender at a time, on any instance): it
 *    re-reads the queue, re-checks presence (a visitor who came back reads the replies live and gets no e-mail),
 *    sends one e-mail with every queued reply of the conversation, then deletes exactly those queue rows and
 *    records the time. The queue is the truth, so a reply queued by an instance that died is still sent by another
 *    instance's sweep. A crash between the SMTP answer and the delete can send that e-mail twice (at least once,
 *    never silently lost); nothing else can.
 *
 * Throttle and batching: the first queued reply waits `OFFLINE_MAIL_DELAY_SECONDS` (quick follow-ups travel in
 * the same e-mail), and a conversation gets at most one reply e-mail per `OFFLINE_MAIL_INTERVAL_MINUTES`;
 * replies in between wait for the next one. Failed sends retry with backoff, up to 5 attempts.
 *
 * Only staff text messages qualify: never private notes, never system lines, never the visitor's own words.
 */
export class ReplyMailService {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private fallbackOrigin: string | undefined;

  constructor(private readonly deps: ReplyMailDeps) {}

  /** Where links point when PUBLIC_ORIGIN is not configured: the app's own public URL (set once listening). */
  setFallbackOrigin(origin: string): void {
    this.fallbackOrigin = origin;
  }

  private origin(): string {
    return this.deps.config.publicOrigin ?? this.fallbackOrigin ?? `http://localhost:${this.deps.config.port}`;
  }

  /**
   * The outbox handler of REPLY_MAIL_TOPIC: an agent reply was committed. Queued for e-mail unless its visitor or
   * customer is connected somewhere (then it arrives live).
   */
  async queueReply(payload: { messageId: string; conversationId: string; at?: number }): Promise<void> {
    if (!this.deps.mailer.isConfigured) return;
    const conversation = await findConversation(this.deps.db, payload.conversationId);
    if (!conversation?.email) return;
    const owner = ownerPresenceKey(conversation);
    // Connected when the reply was written (`at`, real time), or since: it was read live, no e-mail.
    if (owner && (await this.deps.presence.wasOwnerConnectedSince(owner, payload.at ?? Date.now()))) return;
    await queueOfflineReplies(this.deps.db, [
      { messageId: payload.messageId, conversationId: payload.conversationId, queuedAt: this.deps.clock.now() },
    ]);
    this.arm(this.deps.config.offlineMail.delayMs);
  }

  /** The next look for due mail, at the latest in `inMs` (the runner's task; its sweep runs anyway). */
  private arm(inMs: number): void {
    this.deps.jobs.runSoon(REPLY_MAIL_TASK, Math.max(0, Math.min(inMs, SWEEP_MS)));
  }

  private dueAt(p: Pick<PendingReplyMail, 'firstQueuedAt' | 'lastReplyMailAt' | 'retryAt'>): number {
    const { delayMs, intervalMs } = this.deps.config.offlineMail;
    return Math.max(
      p.firstQueuedAt + delayMs,
      p.lastReplyMailAt === null ? 0 : p.lastReplyMailAt + intervalMs,
      p.retryAt ?? 0,
    );
  }

  /**
   * Sends every reply e-mail that is due (by the injected clock), one sender across instances. Resolves when
   * this pass is over; concurrent calls share one pass.
   */
  processDue(): Promise<void> {
    // One pass at a time; a call during a pass gets the next one (which sees what the current one could not).
    if (this.queued) return this.queued;
    if (!this.running) return this.startPass();
    this.queued = this.running.then(() => {
      this.queued = undefined;
      return this.startPass();
    });
    return this.queued;
  }

  private startPass(): Promise<void> {
    const pass = this.pass().finally(() => {
      if (this.running === pass) this.running = undefined;
    });
    this.running = pass;
    return pass;
  }

  private async pass(): Promise<void> {
    if (!this.deps.mailer.isConfigured) return;
    try {
      const now = this.deps.clock.now();
      const pending = await listPendingReplyMail(this.deps.db, PENDING_SCAN);
      const due = pending.filter((p) => this.dueAt(p) <= now).slice(0, CONVERSATIONS_PER_PASS);
      const later = pending.filter((p) => this.dueAt(p) > now).map((p) => this.dueAt(p) - now);
      if (later.length > 0) this.arm(Math.min(...later));
      if (due.length === 0) return;
      const result = await withLock(this.deps.db, this.deps.clock, LOCK, LOCK_TTL_MS, async () => {
        for (const p of due) await this.sendFor(p.conversationId);
      });
      // Another instance is sending right now; look again shortly in case it stops early.
      if (!result.ran) this.arm(5_000);
      else if (due.length === CONVERSATIONS_PER_PASS) this.arm(0);
    } catch (err) {
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'offline reply e-mail pass failed');
      this.arm(30_000);
    }
  }

  /** Under the lease: re-reads everything (another instance may have sent meanwhile) and sends one e-mail. */
  private async sendFor(conversationId: string): Promise<void> {
    const { db, clock } = this.deps;
    const queued = await listQueuedReplies(db, conversationId);
    if (queued.length === 0) return;
    const ids = queued.map((q) => q.messageId);
    const state = await findConversationMail(db, conversationId);
    const now = clock.now();
    const dueAt = this.dueAt({
      firstQueuedAt: queued[0]!.queuedAt,
      lastReplyMailAt: state?.lastReplyMailAt ?? null,
      retryAt: state?.retryAt ?? null,
    });
    if (dueAt > now) return;

    const conversation = await findConversation(db, conversationId);
    const owner = conversation && ownerPresenceKey(conversation);
    if (!conversation?.email || !owner) {
      await deleteQueuedReplies(db, ids);
      return;
    }
    if (await this.deps.presence.isOwnerConnected(owner)) {
      // Back online: the replies arrive live (or by resync); an e-mail now would be noise.
      await deleteQueuedReplies(db, ids);
      return;
    }
    const rows = (await db.selectFrom('messages').selectAll().where('id', 'in', ids).orderBy('seq').execute()).filter(
      (m: MessageRow) => m.authorType === 'staff' && m.kind === 'text' && m.publicSeq !== null,
    );
    const replies: { author: string; text: string }[] = [];
    for (const m of rows) {
      const text = await this.deps.conversations.decryptText(m.conversationId, m.id, m.body);
      if (text !== null)
        replies.push({ author: m.authorTitle ? `${m.authorName} (${m.authorTitle})` : m.authorName, text });
    }
    if (replies.length === 0) {
      await deleteQueuedReplies(db, ids);
      return;
    }

    const service = this.deps.settings.get('branding.serviceName');
    const origin = this.origin();
    const isCustomer = conversation.customerId !== null;
    const link = isCustomer
      ? `${origin}/signin?next=${encodeURIComponent(`/c/${conversation.id}`)}`
      : `${origin}/resume#token=${await this.deps.resume.issue(conversation.id)}`;
    const authors = [...new Set(replies.map((r) => r.author))];
    const lines = [
      `Hello ${conversation.displayName},`,
      '',
      replies.length === 1
        ? `${authors[0]} replied to your conversation with ${service}:`
        : `${authors.join(', ')} sent you ${replies.length} replies in your conversation with ${service}:`,
      '',
      ...replies.flatMap((r) => [...(replies.length > 1 ? [`${r.author}:`] : []), indent(r.text), '']),
      isCustomer
        ? 'Sign in to read the whole conversation and answer:'
        : 'Continue the conversation here (the link works once, for 7 days):',
      link,
      '',
      `You receive this because you gave this address when you started the conversation and were not connected ` +
        `when we answered.`,
    ];
    const subject =
      replies.length === 1 ? `${service}: a new reply from ${authors[0]}` : `${service}: ${replies.length} new replies`;
    try {
      await this.deps.mailer.send({ to: conversation.email, subject, text: lines.join('\n') });
    } catch (err) {
      const attempts = (state?.failedAttempts ?? 0) + 1;
      this.deps.logger.error(
        { err: { message: (err as Error).message }, conversationId, attempts },
        'offline reply e-mail failed',
      );
      await inTransaction(db, this.deps.bus, async ({ trx }) => {
        if (attempts >= MAX_ATTEMPTS) {
          await deleteQueuedReplies(trx, ids);
          await updateConversationMail(trx, conversationId, { failedAttempts: 0, retryAt: null });
        } else {
          await updateConversationMail(trx, conversationId, {
            failedAttempts: attempts,
            retryAt: now + Math.min(3_600_000, 60_000 * 2 ** attempts),
          });
        }
      });
      return;
    }
    await inTransaction(db, this.deps.bus, async ({ trx }) => {
      await deleteQueuedReplies(trx, ids);
      await updateConversationMail(trx, conversationId, { lastReplyMailAt: now, failedAttempts: 0, retryAt: null });
    });
  }
}
