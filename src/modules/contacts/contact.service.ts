import Bowser from 'bowser';
import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { inTransaction, type UnitOfWork } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import type {
  ContactConversationItem,
  ContactNoteView,
  ContactPanelView,
  ContactView,
  contactConversationsQuerySchema,
  contactNotesQuerySchema,
} from '../../shared/contacts.js';
import { AppError } from '../../shared/errors.js';
import type { Page } from '../../shared/routing.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { ConversationService, StartInput } from '../conversations/conversation.service.js';
import { listParticipants, type ConversationRow } from '../conversations/conversation.repository.js';
import { firstMessages } from '../desk/desk.repository.js';
import type { StaffPrincipal } from '../identity/principal.js';
import { DecryptionError } from '../keys/record-cipher.js';
import type { KeyService } from '../keys/key.service.js';
import { findRouting, findTeam } from '../routing/routing.repository.js';
import { findVerifiedContact } from '../widget/widget.repository.js';
import {
  contactConversations,
  contactStats,
  countNotes,
  deleteNote,
  deleteNotesOf,
  findCustomer,
  findNote,
  findOrigin,
  findVisitor,
  hasDataKey,
  insertNote,
  insertOrigin,
  latestEmail,
  listNotes,
  updateNote,
  type ContactNoteRow,
  type ContactRef,
} from './contact.repository.js';

const FIRST_WORDS = 140;
const MAX_USER_AGENT = 512;

/** The contact of a conversation: its customer account, or else its visitor. */
export function contactKeyOf(c: Pick<ConversationRow, 'customerId' | 'visitorId'>): string | null {
  if (c.customerId) return `customer:${c.customerId}`;
  return c.visitorId ? `visitor:${c.visitorId}` : null;
}

function parseKey(key: string): ContactRef {
  const [kind, id] = key.split(':') as ['visitor' | 'customer', string];
  return { kind, id };
}

/** A note's data key: the contact's own (in conversation_keys, whose ids are not only conversations'). */
const noteKeyId = (contactKey: string) => `contact:${contactKey}`;
const noteAad = (contactKey: string, noteId: string) => `contact-note:${contactKey}:${noteId}`;

/** "Chrome 156", "Windows 11", "desktop" from a User-Agent header; nulls for what it does not say. */
export function describeUserAgent(ua: string): { browser: string | null; os: string | null; device: string | null } {
  const parsed = Bowser.parse(ua);
  const major = parsed.browser.version?.split('.')[0];
  const browser = parsed.browser.name ? `${parsed.browser.name}${major ? ` ${major}` : ''}` : null;
  const osVersion = parsed.os.versionName ?? parsed.os.version;
  const os = parsed.os.name ? `${parsed.os.name}${osVersion ? ` ${osVersion}` : ''}` : null;
  return { browser, os, device: parsed.platform.type ?? null };
}

export interface ContactServiceDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  keys: KeyService;
  audit: AuditService;
  conversations: ConversationService;
}

/**
 * The contact panel beside a conversation: who it is with (customer or visitor, e-mail and whether it is verified,
 * first seen), where it started, their past conversations (paged), and staff-only notes about them. Notes are
 * encrypted at rest under a data key of the contact (shredded with a deleted customer), every write audited
 * (without the text). Staff only: every agent may read any contact and add notes; authors and admins edit them.
 */
export class ContactService {
  constructor(private readonly deps: ContactServiceDeps) {}

  /** Start hook (inside the start transaction): where the conversation started. */
  readonly onStarted = async (uow: UnitOfWork, c: ConversationRow, input: StartInput): Promise<void> => {
    const ua = input.userAgent ? input.userAgent.slice(0, MAX_USER_AGENT) : null;
    if (!ua && !input.pageUrl) return;
    await insertOrigin(uow.trx, {
      conversationId: c.id,
      pageUrl: input.pageUrl ?? null,
      userAgent: ua,
      ...(ua ? describeUserAgent(ua) : { browser: null, os: null, device: null }),
    });
  };

  /** The panel for one conversation (any staff member may read any conversation). */
  async panel(staff: StaffPrincipal, conversationId: string): Promise<ContactPanelView> {
    const row = await this.deps.conversations.requireReadable(staff, conversationId);
    const key = contactKeyOf(row);
    if (!key) throw new AppError('not_found', 'This conversation’s visitor is gone.');
    const [contact, origin, routing] = await Promise.all([
      this.contact(key, row),
      findOrigin(this.deps.db, row.id),
      findRouting(this.deps.db, row.id),
    ]);
    const team = routing?.teamId ? await findTeam(this.deps.db, routing.teamId) : undefined;
    const participants = routing?.assignedAgentId ? await listParticipants(this.deps.db, [row.id]) : [];
    const assigned = participants.find((p) => p.userId === routing?.assignedAgentId);
    return {
      conversationId: row.id,
      contact,
      origin: origin
        ? { pageUrl: origin.pageUrl, browser: origin.browser, os: origin.os, device: origin.device }
        : null,
      team: team ? { id: team.id, name: team.name } : null,
      assignedTo: assigned ? { userId: assigned.userId, name: assigned.displayName } : null,
    };
  }

  /** A contact by key; not_found when there is no such visitor or customer. */
  async contact(key: string, conversation?: ConversationRow): Promise<ContactView> {
    const ref = parseKey(key);
    const { db } = this.deps;
    const stats = await contactStats(db, ref);
    if (ref.kind === 'customer') {
      const user = await findCustomer(db, ref.id);
      if (!user) throw new AppError('not_found');
      const created = Math.min(user.createdAt, stats.first ?? user.createdAt);
      return {
        key,
        kind: 'customer',
        name: user.displayName,
        email: user.email,
        emailVerified: user.emailVerifiedAt !== null,
        identityVerified: false,
        verifiedBy: null,
        firstSeen: new Date(created).toISOString(),
        conversations: stats.count,
      };
    }
    const visitor = await findVisitor(db, ref.id);
    if (!visitor) throw new AppError('not_found');
    // A widget contact: the host site signed who this is (docs/widget.md); what it signed is what agents see.
    const verified = await findVerifiedContact(db, ref.id);
    const name =
      verified?.name ??
      conversation?.displayName ??
      (await contactConversations(db, ref, 1))[0]?.displayName ??
      'Visitor';
    return {
      key,
      kind: 'visitor',
      name,
      email: verified?.email ?? conversation?.email ?? (await latestEmail(db, ref)),
      emailVerified: false,
      identityVerified: verified !== undefined,
      verifiedBy: verified?.site ?? null,
      firstSeen: new Date(Math.min(visitor.createdAt, stats.first ?? visitor.createdAt)).toISOString(),
      conversations: stats.count,
    };
  }

  /** The contact's conversations, newest first, `limit` at a time (keyset cursor). */
  async conversations(
    key: string,
    query: z.output<typeof contactConversationsQuerySchema>,
  ): Promise<{ items: ContactConversationItem[]; nextCursor: string | null }> {
    await this.contact(key);
    const ref = parseKey(key);
    let before: { createdAt: number; id: string } | undefined;
    if (query.cursor) {
      const at = query.cursor.indexOf(':');
      before = { createdAt: Number(query.cursor.slice(0, at)), id: query.cursor.slice(at + 1) };
    }
    const rows = await contactConversations(this.deps.db, ref, query.limit + 1, before);
    const page = rows.slice(0, query.limit);
    const ids = page.map((r) => r.id);
    const [firsts, participants] = await Promise.all([
      firstMessages(this.deps.db, ids),
      listParticipants(this.deps.db, ids),
    ]);
    const items: ContactConversationItem[] = [];
    for (const row of page) {
      const first = firsts.find((m) => m.conversationId === row.id);
      const text = first ? await this.deps.conversations.decryptText(row.id, first.id, first.body) : null;
      items.push({
        id: row.id,
        status: row.status,
        topic: row.topicLabel,
        createdAt: new Date(row.createdAt).toISOString(),
        closedAt: row.closedAt === null ? null : new Date(row.closedAt).toISOString(),
        firstQuestion: text === null ? null : text.length > FIRST_WORDS ? `${text.slice(0, FIRST_WORDS)}…` : text,
        agents: participants.filter((p) => p.conversationId === row.id).map((p) => p.displayName),
      });
    }
    const last = page.at(-1);
    return {
      items,
      nextCursor: rows.length > query.limit && last ? `${last.createdAt}:${last.id}` : null,
    };
  }

  // ---- notes ----

  async notes(
    staff: StaffPrincipal,
    key: string,
    query: z.output<typeof contactNotesQuerySchema>,
  ): Promise<Page<ContactNoteView>> {
    await this.contact(key);
    const [rows, total] = await Promise.all([
      listNotes(this.deps.db, key, query.pageSize, (query.page - 1) * query.pageSize),
      countNotes(this.deps.db, key),
    ]);
    const items: ContactNoteView[] = [];
    for (const row of rows) items.push(await this.noteView(staff, row));
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  private async noteView(staff: StaffPrincipal, row: ContactNoteRow, known?: string): Promise<ContactNoteView> {
    let text = known ?? null;
    if (known === undefined) {
      try {
        text = (
          await this.deps.keys.decryptFor(noteKeyId(row.contactKey), row.body, noteAad(row.contactKey, row.id))
        ).toString('utf8');
      } catch (err) {
        if (!(err instanceof DecryptionError)) throw err;
      }
    }
    return {
      id: row.id,
      text,
      author: { id: row.authorId, name: row.authorName },
      createdAt: new Date(row.createdAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
      canEdit: staff.role === 'admin' || row.authorId === staff.userId,
    };
  }

  async addNote(staff: StaffPrincipal, actor: AuditActor, key: string, text: string): Promise<ContactNoteView> {
    const contact = await this.contact(key);
    const now = this.deps.clock.now();
    const row: ContactNoteRow = {
      id: newId(),
      contactKey: key,
      authorId: staff.userId,
      authorName: staff.displayName,
      body: Buffer.alloc(0),
      createdAt: now,
      updatedAt: now,
    };
    const keyId = noteKeyId(key);
    for (let attempt = 0; ; attempt++) {
      // Encrypted before the transaction when the contact already has a key (no I/O inside it); the first note
      // creates the key inside its transaction, which caches it, so that encryption does no I/O either.
      const exists = await hasDataKey(this.deps.db, keyId);
      if (exists) row.body = await this.deps.keys.encryptFor(keyId, text, noteAad(key, row.id));
      try {
        await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
          if (!exists) {
            await this.deps.keys.createDataKey(uow.trx, keyId);
            row.body = await this.deps.keys.encryptFor(keyId, text, noteAad(key, row.id));
          }
          await insertNote(uow.trx, row);
          await this.deps.audit.record(uow.trx, actor, {
            action: 'contact_note.created',
            target: { type: 'contact', id: key, name: contact.name },
            details: { noteId: row.id },
          });
        });
        break;
      } catch (err) {
        // Two first notes at once: the other created the key; encrypt under it and try again.
        if (!exists && attempt === 0 && (await hasDataKey(this.deps.db, keyId))) continue;
        throw err;
      }
    }
    return this.noteView(staff, row, text);
  }

  async editNote(
    staff: StaffPrincipal,
    actor: AuditActor,
    key: string,
    noteId: string,
    text: string,
  ): Promise<ContactNoteView> {
    const contact = await this.contact(key);
    const row = await this.editable(staff, key, noteId);
    const body = await this.deps.keys.encryptFor(noteKeyId(key), text, noteAad(key, row.id));
    const updatedAt = this.deps.clock.now();
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await updateNote(uow.trx, row.id, { body, updatedAt });
      await this.deps.audit.record(uow.trx, actor, {
        action: 'contact_note.updated',
        target: { type: 'contact', id: key, name: contact.name },
        details: { noteId: row.id, author: row.authorName },
      });
    });
    return this.noteView(staff, { ...row, body, updatedAt }, text);
  }

  async deleteNote(staff: StaffPrincipal, actor: AuditActor, key: string, noteId: string): Promise<void> {
    const contact = await this.contact(key);
    const row = await this.editable(staff, key, noteId);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await deleteNote(uow.trx, row.id);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'contact_note.deleted',
        target: { type: 'contact', id: key, name: contact.name },
        details: { noteId: row.id, author: row.authorName },
      });
    });
  }

  private async editable(staff: StaffPrincipal, key: string, noteId: string): Promise<ContactNoteRow> {
    const row = await findNote(this.deps.db, key, noteId);
    if (!row) throw new AppError('not_found');
    if (staff.role !== 'admin' && row.authorId !== staff.userId) {
      throw new AppError('forbidden', 'Only the note’s author or an admin can change it.');
    }
    return row;
  }

  /** A customer is deleted: the notes about them go, and their key is shredded (inside the deletion). */
  async eraseContact(uow: UnitOfWork, key: string): Promise<void> {
    await deleteNotesOf(uow.trx, key);
    if (await hasDataKey(uow.trx, noteKeyId(key))) await this.deps.keys.shred(uow, noteKeyId(key));
  }
}
