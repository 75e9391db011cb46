import type { AppContext } from '../core/context.js';
import { idleConversations } from '../modules/desk/desk.repository.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

const EVERY_MS = 5 * 60_000;

/** The optional idle auto-close (setting conversations.idleAutoCloseHours, off by default). */
export function startIdleCloseJob(ctx: AppContext): IntervalJob {
  return startIntervalJob(ctx, 'idle-close', EVERY_MS, async () => {
    const hours = ctx.services.settings.get('conversations.idleAutoCloseHours');
    if (hours === null) return;
    const cutoff = ctx.clock.now() - hours * 3_600_000;
    for (;;) {
      const batch = await idleConversations(ctx.db, cutoff, 50);
      let closed = 0;
      for (const c of batch) if (await ctx.services.conversations.closeIdle(c.id, cutoff, hours)) closed += 1;
      if (batch.length < 50 || closed === 0) return;
    }
  });
}
