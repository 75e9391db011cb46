/**
 * Every outbox handler and every periodic task of the product, in one list: what runs after a commit or on a
 * clock, how often, and who makes sure one instance does it (the runner's lease, or the task's own).
 */
import type { AppContext } from '../core/context.js';
import { DELETE_FILES_TOPIC, SWEEP_INTERVAL_MS } from '../modules/attachments/attachment.service.js';
import { REPLY_MAIL_SWEEP_MS, REPLY_MAIL_TASK, REPLY_MAIL_TOPIC } from '../modules/continuity/reply-mail.service.js';
import { idleConversations } from '../modules/desk/desk.repository.js';
import { CSAT_TOPIC } from '../modules/csat/csat.service.js';
import { DAILY_CHECK_MS, FIRST_CHECK_MS } from '../modules/retention/retention.service.js';
import {
  WEBHOOK_CONVERSATION_TOPIC,
  WEBHOOK_DELIVER_EVERY_MS,
  WEBHOOK_DELIVER_TASK,
  WEBHOOK_MESSAGE_TOPIC,
  WEBHOOK_PRUNE_EVERY_MS,
  WEBHOOK_PRUNE_TASK,
} from '../modules/webhooks/webhook-delivery.service.js';
import { SNOOZE_SWEEP_MS, SNOOZE_TASK } from '../modules/snooze/snooze.service.js';
import type { JobsRunner } from './jobs-runner.js';
import { ASSIGN_SWEEP_MS, ASSIGN_TASK, ASSIGN_TOPIC } from '../modules/routing/assignment.service.js';

export const IDLE_CLOSE_TASK = 'conversations.idle-close';
const IDLE_CLOSE_EVERY_MS = 5 * 60_000;

export function registerJobs(runner: JobsRunner, ctx: Pick<AppContext, 'services' | 'db' | 'clock' | 'bus'>): void {
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

  runner.handle({
    topic: ASSIGN_TOPIC,
    // A conversation routed to an auto-assignment team (start, transfer): offered to the next available agent.
    // Nobody free is not a failure: the routing sweep below tries again.
    handle: async (payload) =>
      void (await services.assignment.assign((payload as { conversationId: string }).conversationId)),
  });
  // Webhooks: one outbox row per event, fanned out to one delivery row per subscribed endpoint (keyed, so a repeated
  // fan-out adds nothing); the deliveries have their own attempts, sent by the task below.
  runner.handle({
    topic: WEBHOOK_MESSAGE_TOPIC,
    handle: (payload, row) =>
      services.webhooks.fanOutMessage(payload as { messageId: string; conversationId: string }, row),
  });
  runner.handle({
    topic: WEBHOOK_CONVERSATION_TOPIC,
    handle: (payload, row) =>
      services.webhooks.fanOutConversation(payload as Parameters<typeof services.webhooks.fanOutConversation>[0], row),
  });

  // Periodic tasks.
  runner.every({
    name: WEBHOOK_DELIVER_TASK,
    everyMs: WEBHOOK_DELIVER_EVERY_MS,
    firstRunMs: 0,
    // Every instance sends; each delivery is claimed by one (a conditional update), so a slow receiver never holds
    // up the outbox or the other deliveries, and the work spreads over the instances.
    lease: false,
    run: async () => void (await services.webhooks.deliverDue()),
  });
  runner.every({
    name: WEBHOOK_PRUNE_TASK,
    everyMs: WEBHOOK_PRUNE_EVERY_MS,
    run: async () => void (await services.webhooks.prune()),
  });
  runner.every({
    name: 'webhooks.subscriptions',
    everyMs: 60_000,
    lease: false, // per instance: the safety net behind the `webhooks.changed` bus event
    run: () => services.webhookEndpoints.refresh(),
  });
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
    name: 'identity.purge-expired',
    everyMs: 60 * 60_000,
    firstRunMs: 5 * 60_000,
    // Expired sessions and long-expired one-time tokens: nobody can use them, nothing needs to keep them.
    run: async () => void (await services.sessions.purgeExpired()),
  });
  runner.every({
    name: ASSIGN_TASK,
    everyMs: ASSIGN_SWEEP_MS,
    // Under the lease job:routing.assign (one instance at a time); each assignment is atomic on its own anyway
    // (assignment.service.ts), so the outbox handler running elsewhere at the same moment is safe.
    run: async () => void (await services.assignment.sweep()),
  });
  // Brought forward when an agent comes back or capacity frees up (a chat closed, left, handed over).
  ctx.bus.on('agent.changed', (e) => {
    if (e.availability === 'online') runner.runSoon(ASSIGN_TASK, 0);
  });
  ctx.bus.on('conversation.changed', (e) => {
    if (['closed', 'left', 'agent_left', 'requeued', 'transferred', 'unassigned'].includes(e.change))
      runner.runSoon(ASSIGN_TASK, 0);
  });
  ctx.bus.on('presence.changed', () => runner.runSoon(ASSIGN_TASK, 0));
  runner.every({
    name: SNOOZE_TASK,
    everyMs: SNOOZE_SWEEP_MS,
    // Wakes snoozed conversations whose time came or whose visitor wrote (src/modules/snooze/snooze.service.ts).
    run: async () => void (await services.snooze.wakeDue()),
  });
  runner.handle({
    topic: CSAT_TOPIC,
    // A rating given or changed: delivered to the endpoints subscribed to csat.submitted.
    handle: (payload, row) => services.webhooks.fanOutCsat(payload as { conversationId: string }, row),
  });
  runner.every({
    name: 'presence.heartbeat',
    everyMs: services.presence.beatEveryMs,
    lease: false, // per instance: each keeps its own mirror in Redis alive
    run: () => services.presence.beat(),
  });
}
