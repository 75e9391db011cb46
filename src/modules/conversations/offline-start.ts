import { AppError } from '../../shared/errors.js';
import type { PublicPrincipal } from '../identity/principal.js';
import { offlineStartLine, presentInstant } from '../schedule/schedule.presenter.js';
import type { ScheduleService } from '../schedule/schedule.service.js';
import type { SettingsService } from '../settings/settings.service.js';

/** What the visitor is told when a conversation starts while support is closed (a field of the start answer). */
export interface OfflineStart {
  /** The system line appended after the first message, e.g. "We're closed right now. We'll be back at …". */
  message: string;
  /** The next opening, as the status shows it; null when nothing opens in the next two weeks. */
  nextAvailable: { at: string; text: string } | null;
}

/**
 * Support hours at conversation creation: asks the schedule's one availability answer (the one `GET /api/status`
 * gives at the same instant). Null while open. While closed, a visitor must leave an e-mail address when the
 * admin says so (`conversations.emailRequiredWhileClosed`); customers have one on their account.
 */
export async function offlineStartNotice(
  deps: { schedule: ScheduleService; settings: SettingsService },
  principal: PublicPrincipal,
  input: { email?: string },
  now: number,
): Promise<OfflineStart | null> {
  const availability = await deps.schedule.availability(now);
  if (availability.available) return null;
  const timezone = deps.schedule.timezone;
  if (principal.kind === 'visitor' && !input.email && deps.settings.get('conversations.emailRequiredWhileClosed')) {
    throw new AppError('validation_failed', undefined, {
      fields: [
        {
          path: 'email',
          message: "We're closed right now: leave your e-mail address so our answer can reach you.",
          code: 'email_required_while_closed',
        },
      ],
    });
  }
  return {
    message: offlineStartLine({ availability, now, timezone }),
    nextAvailable: availability.nextOpening === null ? null : presentInstant(availability.nextOpening, now, timezone),
  };
}
