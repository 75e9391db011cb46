import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { UserService } from '../identity/user.service.js';
import { resolveContact, type ContactRef } from './contact.js';
import {
  contactConversations,
  countContactFiles,
  deleteTokensAbout,
  deleteVisitorSessions,
  deleteVisitors,
  scrubAuditEntries,
} from './privacy.repository.js';

/** Conversations erased per transaction: short transactions, so SQLite's writer and PostgreSQL locks are not held long. */
const BATCH = 50;

export interface ErasureResult {
  conversations: number;
  files: number;
}

export interface ErasureDeps {
  db: Db;
  bus: EventBus;
  audit: AuditService;
  users: UserService;
  conversations: ConversationService;
}

/**
 * Erasure of one contact (GDPR art. 17): everything held about a customer or a visitor goes, and what cannot be
 * deleted outright is crypto-shredded.
 * 1. Lock-out, one transaction: every session of the contact ends (sockets closed on every instance); a customer
 *    account is deactivated, so nothing new is written while the rest goes.
 * 2. Conversations in batches of 50, each its own transaction, through `ConversationService.erase`: the data key
 *    is shredded (messages and file names become unreadable at once, on every instance), the rows go (messages,
 *    participants, attachments, mail state cascade), the stored files are deleted by the outbox after the commit
 *    (topic `attachments.delete-files`, retried), and resume links about them are deleted.
 * 3. The rest, one transaction: audit entries naming the contact lose the name, address and details; the visitor
 *    rows and the customer account go (sessions and one-time tokens cascade); one audit line records the erasure
 *    with counts only — no name, no e-mail, no address.
 * Interrupted half-way, the contact is locked out and partly erased; running it again finishes (every step is
 * idempotent). Two erasures at once: the second finds less, or nothing (not_found).
 */
export class ErasureService {
  constructor(private readonly deps: ErasureDeps) {}

  async erase(ref: ContactRef, actor: AuditActor): Promise<ErasureResult> {
    const { db, bus } = this.deps;
    const contact = await resolveContact(db, ref);
    const files = await countContactFiles(db, contact);

    await inTransaction(db, bus, async (uow) => {
      if (contact.user) await this.deps.users.lockForErasure(uow, contact.user);
      const ended = await deleteVisitorSessions(uow.trx, contact.visitorIds);
      if (ended.length > 0) uow.emit(domainEvent('sessions.revoked', { sessionIds: ended, reason: 'erased' }));
    });

    let conversations = 0;
    for (;;) {
      const batch = await contactConversations(db, contact, null, BATCH);
      if (batch.length === 0) break;
      await inTransaction(db, bus, async (uow) => {
        await deleteTokensAbout(
          uow.trx,
          batch.map((c) => c.id),
        );
        for (const c of batch) await this.deps.conversations.erase(uow, c.id);
      });
      conversations += batch.length;
      await yieldToEventLoop();
    }

    await inTransaction(db, bus, async (uow) => {
      await scrubAuditEntries(uow.trx, contact.ownerIds);
      if (contact.user) await this.deps.users.deleteWithinErasure(uow, contact.user);
      await deleteVisitors(uow.trx, contact.visitorIds);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'contact.erased',
        target: { type: contact.kind, id: contact.id },
        details: { conversations, files },
      });
    });
    return { conversations, files };
  }
}
