import { DateTime } from 'luxon';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { emailSchema } from '../../shared/identity.schemas.js';
import { listMessagesAfter } from '../conversations/conversation.repository.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { PublicPrincipal } from '../identity/principal.js';
import type { Mailer } from '../mail/mailer.js';
import type { SettingsService } from '../settings/settings.service.js';
import { claimTranscript, releaseTranscript } from './continuity.repository.js';
import { indent } from './mail-text.js';

/** A conversation's transcript can be e-mailed this many times (the form is not a way to mail anyone anything). */
export const MAX_TRANSCRIPTS = 3;
const PAGE = 500;

/**
 * "E-mail me the transcript": once a conversation has ended (closed or left), its visitor or customer may have
 * the transcript sent to the address given at the start, or another one. It holds what they could see — their
 * messages, the agents' replies and the system lines — and never a private note (it reads the public sequence).
 */
export class TranscriptService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      logger: Logger;
      mailer: Mailer;
      conversations: ConversationService;
      settings: SettingsService;
      timezone: string;
    },
  ) {}

  async send(
    principal: PublicPrincipal,
    conversationId: string,
    email: string | undefined,
  ): Promise<{ sentTo: string }> {
    const conversation = await this.deps.conversations.requireReadable(principal, conversationId);
    if (conversation.status !== 'closed' && conversation.status !== 'left') {
      throw new AppError('conflict', 'The transcript can be e-mailed once the conversation has ended.');
    }
    let to = email ?? conversation.email ?? undefined;
    if (to === undefined) {
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'email', message: 'Give the address to send the transcript to.' }],
      });
    }
    const parsed = emailSchema.safeParse(to);
    if (!parsed.success) {
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'email', message: 'must be a valid e-mail address' }],
      });
    }
    to = parsed.data;
    if (!this.deps.mailer.isConfigured) throw new AppError('mail_not_configured');
    if (!(await claimTranscript(this.deps.db, conversationId, MAX_TRANSCRIPTS))) {
      throw new AppError(
        'rate_limited',
        `This transcript was already e-mailed ${MAX_TRANSCRIPTS} times; it cannot be sent again.`,
      );
    }
    const viewer = { side: 'public' as const, principal };
    const lines: string[] = [];
    let after = 0;
    let day = '';
    for (;;) {
      const rows = await listMessagesAfter(this.deps.db, conversationId, after, PAGE, 'public');
      for (const view of await this.deps.conversations.decryptAll(rows, viewer)) {
        const at = DateTime.fromISO(view.createdAt).setZone(this.deps.timezone).setLocale('en-US');
        const date = at.toFormat('cccc, LLLL d, yyyy');
        if (date !== day) {
          if (day !== '') lines.push('');
          lines.push(date, '');
          day = date;
        }
        const time = at.toFormat('h:mm a');
        const text = view.text ?? '[this message could not be decrypted]';
        if (view.kind === 'system') lines.push(`${time}  — ${text} —`);
        else {
          const who = view.author.title ? `${view.author.name} (${view.author.title})` : view.author.name;
          lines.push(`${time}  ${who}:`, indent(text));
        }
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.publicSeq!;
    }
    const service = this.deps.settings.get('branding.serviceName');
    const started = DateTime.fromMillis(conversation.createdAt, { zone: this.deps.timezone }).setLocale('en-US');
    const text = [
      `Transcript of your conversation with ${service}`,
      `Started ${started.toFormat('cccc, LLLL d, yyyy, h:mm a ZZZZ')}${conversation.topicLabel ? ` · ${conversation.topicLabel}` : ''}`,
      '',
      ...lines,
      '',
      `Times are in ${this.deps.timezone.replace(/_/g, ' ')}.`,
    ].join('\n');
    try {
      await this.deps.mailer.send({ to, subject: `${service}: your conversation transcript`, text });
    } catch (err) {
      await releaseTranscript(this.deps.db, conversationId);
      this.deps.logger.error({ err: { message: (err as Error).message }, conversationId }, 'transcript e-mail failed');
      throw new AppError('service_unavailable', 'The e-mail could not be sent right now; please try again later.');
    }
    return { sentTo: to };
  }
}
