import { Readable } from 'node:stream';
import type { Archiver } from 'archiver';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import type { ConversationsTable } from '../../db/schema.js';
import type { CustomerPrincipal, VisitorPrincipal } from '../identity/principal.js';
import { attachmentAad, type AttachmentService } from '../attachments/attachment.service.js';
import type { AttachmentStorage } from '../attachments/attachment.storage.js';
import { presentAuditEntry } from '../audit/audit.presenter.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import { listMessagesAfter, listParticipants } from '../conversations/conversation.repository.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import { describeDevice } from '../identity/session.presenter.js';
import type { KeyService } from '../keys/key.service.js';
import { resolveContact, type Contact, type ContactRef } from './contact.js';
import { auditEntriesNaming, contactConversations, contactSessions, ownerVisibleFiles } from './privacy.repository.js';

/** Rows read per query: pages keep memory flat whatever the history's size. */
const PAGE = 200;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface DataExportDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  conversations: ConversationService;
  attachments: AttachmentService;
  storage: AttachmentStorage;
  keys: KeyService;
  audit: AuditService;
}

export interface ExportDownload {
  fileName: string;
  /** The zip, produced while it is read (see `DataExportService.export`). */
  stream: Readable;
}

const README = `This archive holds the personal data Support Central keeps about you.

account.json        your account (or your visitor identity) and the anonymous visitors you were before signing in
sessions.json       the browsers and devices that signed in, with their address and when they were last seen
audit.json          entries of the audit log that name you (your own actions, and actions on your account)
conversations/      one folder per conversation: conversation.json (its details), messages.json (every message you
                    could see, decrypted, in order) and files/ (the files of those messages, decrypted)

Dates are ISO 8601 in UTC. Staff-only notes are not part of a conversation as you see it and are not included.
`;

/** Adds one entry and resolves once the archive has written it: one entry at a time, so memory stays bounded. */
function addEntry(archive: Archiver, source: Buffer | string | Readable, name: string, date: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      archive.off('entry', onEntry);
      archive.off('error', onError);
      archive.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onEntry = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error('the download was closed before the archive was complete'));
    archive.once('entry', onEntry);
    archive.once('error', onError);
    archive.once('close', onClose);
    archive.append(source, { name, date });
  });
}

/** A JSON array written element by element from pages: never the whole list in memory. */
function jsonArray<T>(pages: () => AsyncGenerator<T[]>): Readable {
  return Readable.from(
    (async function* () {
      yield '[';
      let first = true;
      for await (const page of pages()) {
        for (const item of page) {
          yield (first ? '\n  ' : ',\n  ') + JSON.stringify(item);
          first = false;
        }
      }
      yield first ? ']\n' : '\n]\n';
    })(),
  );
}

/** A file name safe inside a zip on every system: the (already sanitised) display name without separators. */
const zipSafe = (name: string) => name.replace(/[/\\:*?"<>|]/g, '_').slice(0, 150) || 'file';

/**
 * The export of everything held about one contact, as a zip of JSON and files (GDPR art. 15 and 20), for an admin
 * or the customer themselves. The archive is produced while the response is read: the conversations, messages and
 * files are read page by page and written one entry at a time (archiver's `entry` event paces the producer), and a
 * slow reader holds the producer back through the stream's backpressure. Memory is one page of rows plus one file.
 * What the contact sees is what is exported: its public view of each conversation (never a private note or its files).
 */
export class DataExportService {
  constructor(private readonly deps: DataExportDeps) {}

  /** Checks the contact, audits the export, and answers the archive to stream. */
  async export(ref: ContactRef, actor: AuditActor): Promise<ExportDownload> {
    const contact = await resolveContact(this.deps.db, ref);
    await this.deps.audit.record(this.deps.db, actor, {
      action: 'contact.exported',
      target: { type: contact.kind, id: contact.id, name: contact.name },
    });
    const now = this.deps.clock.now();
    // Loaded on the first export, not at start (it was a seventh of the server's cold start).
    const { ZipArchive } = await import('archiver');
    const archive = new ZipArchive({ zlib: { level: 6 } });
    archive.on('warning', (err) => this.deps.logger.warn({ err: { message: err.message } }, 'export archive warning'));
    void this.write(archive, contact, new Date(now)).catch((err: unknown) => {
      const context = { err: { message: (err as Error).message }, contactKind: contact.kind, contactId: contact.id };
      // A download the reader abandoned is not a fault; anything else is, and the only honest signal left once
      // the response has started is to cut it (the client sees a broken download, never a truncated "success").
      if (archive.destroyed) this.deps.logger.info(context, 'data export abandoned by the reader');
      else this.deps.logger.error(context, 'data export failed');
      archive.destroy(err as Error);
    });
    const day = new Date(now).toISOString().slice(0, 10);
    return { fileName: `support-central-${contact.kind}-${contact.id}-${day}.zip`, stream: archive };
  }

  private async write(archive: Archiver, contact: Contact, date: Date): Promise<void> {
    await addEntry(archive, README, 'README.txt', date);
    await addEntry(archive, JSON.stringify(this.account(contact), null, 2) + '\n', 'account.json', date);
    const sessions = await contactSessions(this.deps.db, contact.user?.id ?? null, contact.visitorIds);
    const sessionList = sessions.map((s) => ({
      device: describeDevice(s.userAgent),
      userAgent: s.userAgent,
      ip: s.ip,
      createdAt: iso(s.createdAt),
      lastSeenAt: iso(s.lastSeenAt),
      expiresAt: iso(s.expiresAt),
    }));
    await addEntry(archive, JSON.stringify(sessionList, null, 2) + '\n', 'sessions.json', date);
    await addEntry(archive, this.auditJson(contact), 'audit.json', date);

    let after: string | null = null;
    for (;;) {
      const page = await contactConversations(this.deps.db, contact, after, 50);
      for (const row of page) await this.writeConversation(archive, contact, row, date);
      if (page.length < 50) break;
      after = page.at(-1)!.id;
    }
    await archive.finalize();
  }

  private account(contact: Contact) {
    const linkedVisitors = contact.visitorIds.filter((id) => id !== contact.id);
    if (contact.user) {
      const u = contact.user;
      return {
        kind: 'customer',
        id: u.id,
        username: u.username,
        email: u.email,
        emailVerifiedAt: iso(u.emailVerifiedAt),
        displayName: u.displayName,
        isActive: u.isActive === 1,
        createdAt: iso(u.createdAt),
        updatedAt: iso(u.updatedAt),
        lastLoginAt: iso(u.lastLoginAt),
        passwordChangedAt: iso(u.passwordChangedAt),
        linkedVisitors,
      };
    }
    return { kind: 'visitor', id: contact.id, createdAt: iso(contact.createdAt) };
  }

  private auditJson(contact: Contact): Readable {
    const db = this.deps.db;
    const ids = contact.ownerIds;
    return jsonArray(async function* () {
      let from = 0;
      let seen = new Set<string>();
      for (;;) {
        const rows = (await auditEntriesNaming(db, ids, from, PAGE)).filter((r) => !seen.has(r.id));
        if (rows.length === 0) return;
        yield rows.map((r) => {
          const byThem = r.actorId !== null && ids.includes(r.actorId);
          const view = presentAuditEntry({
            id: r.id,
            at: iso(r.at)!,
            actor: { id: r.actorId, name: r.actorName },
            action: r.action,
            target: r.targetType ? { type: r.targetType, id: r.targetId, name: r.targetName } : null,
            ip: r.ip,
            details: JSON.parse(r.details) as Record<string, unknown>,
          });
          // Staff members are named by role only: the export is about the contact, not about them.
          return {
            at: view.at,
            action: view.action,
            summary: view.summary,
            by: byThem ? 'you' : 'staff',
            ip: byThem ? r.ip : null,
          };
        });
        from = rows.at(-1)!.at;
        seen = new Set(rows.filter((r) => r.at === from).map((r) => r.id));
      }
    });
  }

  private principalOf(contact: Contact): CustomerPrincipal | VisitorPrincipal {
    return contact.user
      ? {
          kind: 'customer',
          sessionId: 'export',
          userId: contact.user.id,
          visitorId: null,
          username: contact.user.username,
          displayName: contact.user.displayName,
        }
      : { kind: 'visitor', sessionId: 'export', visitorId: contact.id };
  }

  private async writeConversation(archive: Archiver, contact: Contact, c: ConversationsTable, date: Date) {
    const folder = `conversations/${new Date(c.createdAt).toISOString().slice(0, 10)}-${c.id}`;
    const agents = await listParticipants(this.deps.db, [c.id]);
    const details = {
      id: c.id,
      status: c.status,
      displayName: c.displayName,
      email: c.email,
      topic: c.topicLabel,
      createdAt: iso(c.createdAt),
      lastMessageAt: iso(c.lastMessageAt),
      closedAt: iso(c.closedAt),
      closedBy: c.closedByName,
      agents: agents.map((a) => ({ name: a.displayName, title: a.jobTitle })),
    };
    await addEntry(archive, JSON.stringify(details, null, 2) + '\n', `${folder}/conversation.json`, date);

    // Files first (one decrypted file in memory at a time); messages.json then points at them.
    const fileNames = new Map<string, string | null>();
    let afterFile: string | null = null;
    for (;;) {
      const rows = await ownerVisibleFiles(this.deps.db, c.id, contact.ownerIds, afterFile, 20);
      for (const row of rows) {
        const [view] = await this.deps.attachments.viewsOf([row]);
        const path = `files/${row.id}-${zipSafe(view?.name ?? 'file')}`;
        try {
          const sealed = await this.deps.storage.get(row.storageKey);
          const bytes = await this.deps.keys.decryptFor(c.id, sealed, attachmentAad(c.id, row.id));
          await addEntry(archive, bytes, `${folder}/${path}`, new Date(row.createdAt));
          fileNames.set(row.id, path);
        } catch (err) {
          if (archive.destroyed) throw err;
          this.deps.logger.warn(
            { err: { message: (err as Error).message }, attachmentId: row.id },
            'an exported file could not be read',
          );
          fileNames.set(row.id, null);
        }
      }
      if (rows.length < 20) break;
      afterFile = rows.at(-1)!.id;
    }

    const principal = this.principalOf(contact);
    const conversations = this.deps.conversations;
    const db = this.deps.db;
    const owners = new Set(contact.ownerIds);
    const messages = jsonArray(async function* () {
      let after = 0;
      for (;;) {
        const rows = await listMessagesAfter(db, c.id, after, PAGE, 'public');
        if (rows.length === 0) return;
        const views = await conversations.decryptAll(rows, { side: 'public', principal });
        const byId = new Map(rows.map((r) => [r.id, r]));
        yield views.map((m) => ({
          seq: m.seq,
          kind: m.kind,
          author: {
            type: m.author.type,
            name: m.author.name,
            title: m.author.title,
            isYou: owners.has(byId.get(m.id)?.authorId ?? ''),
          },
          text: m.text,
          attachments: m.attachments.map((a) => ({
            name: a.name,
            size: a.size,
            type: a.mime,
            file: fileNames.get(a.id) ?? null,
          })),
          createdAt: m.createdAt,
        }));
        if (rows.length < PAGE) return;
        after = rows.at(-1)!.publicSeq!;
      }
    });
    await addEntry(archive, messages, `${folder}/messages.json`, date);
  }
}
