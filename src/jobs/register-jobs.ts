/**
 * Every outbox handler and every periodic task of the product, in one list: what runs after a commit or on a
 * clock, how often, and who makes sure one instance does it (the runner's lease, or the task's own).
 */
import type { AppContext } from '../core/context.js';
import { DELETE_FILES_TOPIC, SWEEP_INTERVAL_MS } from '../modules/attachments/attachment.service.js';
import { REPLY_MAIL_SWEEP_MS, REPLY_MAIL_TASK, REPLY_MAIL_TOPIC } from '../modules/continuity/reply-mail.service.js';
import { idleConversations } from '../modules/desk/desk.repository.js';
import { DAILY_CHECK_MS, FIRST_CHECK_MS } from '../modules/retention/retention.service.js';
import { SNOOZE_SWEEP_MS, SNOOZE_TASK } from '../modules/snooze/snooze.service.js';
import type { JobsRunner } from './jobs-runner.js';

export const IDLE_CLOSE_TASK = 'conversations.idle-close';
const IDLE_CLOSE_EVERY_MS = 5 * 60_000;

export function registerJobs(runner: JobsRunner, ctx: Pick<AppContext, 'services' | 'db' | 'clock'>): void {
  const { services } = ctx;

  // Outbox: side effects written in their change's transaction.
  runner.handle({
    topic: REPLY_MAIL_TOPIC,
    handle: (payload) => services.replyMail.queueReply(payload as { messageId: string; conversationId: string }),
  });
  runner.handle({
    topic: DELETE_FILES_TOPIC,
    // Idempotent (a missing file is fine); what fails is logged and left to the orphan sweep.
    handle: (payload) => services.attachments.deleteStoredFiles((payload as { keys: string[] }).keys),
  });

  // Periodic tasks.
  runner.every({
    name: REPLY_MAIL_TASK,
    everyMs: REPLY_MAIL_SWEEP_MS,
    firstRunMs: 0,
    lease: false, // processDue sends under its own lease, `offline-reply-mail`
    run: () => services.replyMail.processDue(),
  });
  runner.every({
    name: 'attachments.sweep',
    everyMs: SWEEP_INTERVAL_MS,
    lease: false, // the sweep takes its own lease, `attachments.sweep`
    run: async () => void (await services.attachments.sweep()),
  });
  runner.every({
    name: 'retention.daily',
    everyMs: DAILY_CHECK_MS,
    firstRunMs: FIRST_CHECK_MS,
    lease: false, // runDaily takes its own lease and records the day it ran (job_runs)
    run: async () => void (await services.retention.runDaily()),
  });
  runner.every({
    name: IDLE_CLOSE_TASK,
    everyMs: IDLE_CLOSE_EVERY_MS,
    // The optional idle auto-close (setting conversations.idleAutoCloseHours, off by default).
    run: async () => {
      const hours = services.settings.get('conversations.idleAutoCloseHours');
      if (hours === null) return;
      const cutoff = ctx.clock.now() - hours * 3_600_000;
      for (;;) {
        const batch = await idleConversations(ctx.db, cutoff, 50);
        let closed = 0;
        for (const c of batch) if (await services.conversations.closeIdle(c.id, cutoff, hours)) closed += 1;
        if (batch.length < 50 || closed === 0) return;
      }
    },
  });
  runner.every({
    name: SNOOZE_TASK,
    everyMs: SNOOZE_SWEEP_MS,
    // Wakes snoozed conversations whose time came or whose visitor wrote (src/modules/snooze/snooze.service.ts).
    run: async () => void (await services.snooze.wakeDue()),
  });
  // Outbox topic `csat.submitted` ({ conversationId }, written by CsatService with every rating) has no handler yet:
  // the webhooks of issue 17 will register it here. Until then its rows wait; the runner only takes known topics.
  runner.every({
    name: 'presence.heartbeat',
    everyMs: services.presence.beatEveryMs,
    lease: false, // per instance: each keeps its own mirror in Redis alive
    run: () => services.presence.beat(),
  });
}
