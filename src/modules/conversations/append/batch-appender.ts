/**
 * What the group-commit writer asks of a database: append a batch of messages in one transaction and say what
 * became of each. One implementation per dialect (`sqlite-appender.ts`, `pg-appender.ts`), both applying the rules
 * of `append-plan.ts`.
 */
import type { AppError } from '../../../shared/errors.js';
import type { AttachmentRow } from '../../attachments/attachment.repository.js';
import type { ConversationRow, MessageRow } from '../conversation.repository.js';
import type { AppendItem } from './append-plan.js';

export type AppendOutcome =
  { message: MessageRow; duplicate: boolean; attachments: AttachmentRow[] } | { error: AppError };

/** What post-commit work needs of a message's conversation (fan-out rooms, reply e-mails). */
export type CommittedConversation = Pick<ConversationRow, 'id' | 'visitorId' | 'customerId' | 'email'>;

export interface AppendBatchResult {
  /** One per item, in order. */
  outcomes: AppendOutcome[];
  /** The conversations of the stored messages, as of the commit. */
  conversations: Map<string, CommittedConversation>;
  /** Whether the batch wrote outbox rows (the jobs runner is then woken). */
  enqueued: boolean;
}

export interface BatchAppender {
  /** Appends in one transaction (one commit); throws when the whole batch failed (the writer then retries each). */
  append(items: AppendItem[]): Promise<AppendBatchResult>;
}
