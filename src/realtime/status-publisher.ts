import type { Namespace } from 'socket.io';
import type { AppContext } from '../core/context.js';
import { presentStatus } from '../modules/schedule/schedule.presenter.js';
import type { SupportStatusWire } from '../shared/schedule.schemas.js';

/** The frame landing pages receive on `/public`: the same body as `GET /api/status`. */
export const STATUS_EVENT = 'status';

/**
 * Sleep at most this long between checks. Catches up after a clock jump or a suspended machine, and picks up
 * edits no event announced (a CLI `init-schedule` without Redis writes the database only; the schedule cache
 * expires within 30 s), so landing pages see them within about a minute.
 */
const MAX_SLEEP_MS = 60_000;
/** After waking before the transition (the clock said otherwise), look again no sooner than this. */
const MIN_SLEEP_MS = 250;
/** Wake just after the transition instant, never just before it. */
const SLACK_MS = 20;
/** After a failed check (database down), try again after this long. */
const RETRY_MS = 30_000;

export interface StatusPublisher {
  /** Reads the status once and arms the transition timer; call after migrations. */
  start(): void;
  /**
   * Recomputes the status and pushes it when it changed, when a transition was reached, or when `force`;
   * then re-arms the timer for the next transition. Checks run one at a time.
   */
  check(force?: boolean): Promise<void>;
  close(): void;
}

/**
 * Pushes the support status to every landing page on this instance's `/public` namespace: on connection,
 * whenever the schedule changes on any instance (`schedule.changed` through the bus), and at each opening,
 * closing and local midnight (a timer set for the next one and re-armed after each check).
 */
export function createStatusPublisher(ctx: AppContext, ns: Namespace): StatusPublisher {
  const schedule = ctx.services.schedule;
  let timer: NodeJS.Timeout | undefined;
  /** The transition the timer waits for. */
  let target: number | undefined;
  /** The last pushed status without its `now`, to push only what changed. */
  let lastPushed: string | undefined;
  let queue: Promise<void> = Promise.resolve();
  let started = false;
  let closed = false;

  const fingerprint = (wire: SupportStatusWire) => JSON.stringify({ ...wire, now: null });

  function arm(nextChangeAt: number, now: number): void {
    if (timer) clearTimeout(timer);
    if (closed) return;
    target = nextChangeAt;
    const delay = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, nextChangeAt - now + SLACK_MS));
    timer = setTimeout(() => void check(), delay);
    timer.unref();
  }

  async function publish(force: boolean): Promise<void> {
    const status = await schedule.status();
    const wire = presentStatus(status);
    const print = fingerprint(wire);
    const reached = target !== undefined && status.now >= target;
    if (force || reached || print !== lastPushed) {
      lastPushed = print;
      ns.emit(STATUS_EVENT, wire);
    }
    arm(status.availability.nextChangeAt, status.now);
  }

  function check(force = false): Promise<void> {
    if (closed || !started) return Promise.resolve();
    queue = queue
      .then(() => publish(force))
      .catch((err: unknown) => {
        ctx.logger.warn({ err }, 'support status check failed; retrying');
        const now = ctx.clock.now();
        arm(now + RETRY_MS, now);
      });
    return queue;
  }

  ns.on('connection', (socket) => {
    schedule.status().then(
      (status) => socket.emit(STATUS_EVENT, presentStatus(status)),
      (err: unknown) => ctx.logger.warn({ err }, 'support status for a new socket failed'),
    );
  });

  const unsubscribe = schedule.onChanged(() => void check(true));
  // Agents came or went (on any instance): pushed when the status differs ("all agents are away" or not).
  const offPresence = ctx.bus.on('presence.changed', () => void check());
  // An agent set themselves away (or back): they stop (or start) counting as an agent online.
  const offAgent = ctx.bus.on('agent.changed', () => void check());

  return {
    start() {
      started = true;
      void check();
    },
    check,
    close() {
      closed = true;
      unsubscribe();
      offPresence();
      offAgent();
      if (timer) clearTimeout(timer);
    },
  };
}
