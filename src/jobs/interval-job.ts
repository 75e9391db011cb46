import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/database.js';
import { withLock } from '../db/lock.js';

export interface IntervalJob {
  /** Runs the job once now (under the lock); resolves with whether this instance ran it. */
  runNow(): Promise<boolean>;
  stop(): void;
}

/**
 * Runs `fn` every `everyMs` on every instance, but only one instance at a time does the work: each run takes the
 * database lease lock `name` (expiring by itself if its holder dies). Timers are unref'd and stopped on shutdown.
 */
export function startIntervalJob(
  deps: { db: Db; clock: Clock; logger: Logger },
  name: string,
  everyMs: number,
  fn: () => Promise<void>,
): IntervalJob {
  let running = false;
  const runNow = async (): Promise<boolean> => {
    if (running) return false;
    running = true;
    try {
      const result = await withLock(deps.db, deps.clock, `job:${name}`, Math.max(everyMs, 60_000), fn);
      return result.ran;
    } catch (err) {
      deps.logger.error({ err, job: name }, 'scheduled job failed');
      return false;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void runNow(), everyMs);
  timer.unref();
  return { runNow, stop: () => clearInterval(timer) };
}
