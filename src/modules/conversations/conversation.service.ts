import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Clock } from '../../core/clock.js';
import { newId, newTimeOrderedId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { consumeOrThrow } from '../../core/rate-limiter.js';
import { isUniqueViolation, type Db, type Dialect } from '../../db/database.js';
import { inTransaction, type UnitOfWork } from '../../db/transaction.js';
import { domainEvent, type ConversationChangedPayload } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import type { ConversationView, MessageView, StaffConversationView } from '../../shared/conversations.js';
import { validateDisplayName } from '../../shared/display-name.js';
import { AppError } from '../../shared/errors.js';
import type { PublicPrincipal, StaffOrToken, StaffPrincipal, TokenPrincipal } from '../identity/principal.js';
import { staffDisplayNames, type UserRow } from '../identity/user.repository.js';
import { DecryptionError } from '../keys/record-cipher.js';
import { MissingDataKeyError, type KeyService } from '../keys/key.service.js';
import { LruCache } from '../../core/lru-cache.js';
import type { SettingsService } from '../settings/settings.service.js';
import { uploaderOf, type AttachmentService } from '../attachments/attachment.service.js';
import {
  agentsReadPublicSeq,
  attachVisitorConversations,
  handOverVisitorConversations,
  countParticipants,
  deleteConversationRow,
  deleteParticipant,
  findConversation,
  firstPublicMessages,
  findOpenConversationOf,
  findParticipant,
  findTopic,
  insertConversation,
  insertParticipantIfAbsent,
  lastPublicMessages,
  listConversationIdsOfCustomer,
  listMessagesAfter,
  listOwnedConversations,
  listParticipants,
  listTopics,
  lockConversations,
  openConversationsOfAgent,
  queuePositionOf,
  setStatus,
  type ConversationRow,
  type MessageRow,
} from './conversation.repository.js';
import {
  isSelf,
  presentConversation,
  presentMessage,
  presentStaffConversation,
  type Viewer,
} from './conversation.presenter.js';
import { appendToLockedConversation, type MessageWriter, type NewMessage } from './message-writer.js';
import type { MessageEffect } from './append/append-plan.js';

/** Whether a staff member is a participant of a conversation (for permission checks). */
type IsParticipant = (conversationId: string, userId: string) => Promise<boolean>;
import type { ScheduleService } from '../schedule/schedule.service.js';
import { offlineStartNotice, type OfflineStart } from './offline-start.js';
import { findVerifiedContact } from '../widget/widget.repository.js';

export interface ConversationServiceDeps {
  db: Db;
  dialect: Dialect;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  keys: KeyService;
  writer: MessageWriter;
  settings: SettingsService;
  attachments: AttachmentService;
  messageLimiter: RateLimiterAbstract;
  /** Support hours: a conversation started while closed gets a system line with the next opening. */
  schedule?: ScheduleService;
  /** Side effects a sent message causes (outbox rows written with it), e.g. queueing a reply e-mail. */
  messageEffects?: (message: NewMessage) => MessageEffect[];
  /**
   * Side effects of a lifecycle change (start, join, close…), run inside the change's transaction after its rows
   * are written: e.g. a webhook event written to the outbox with the change.
   */
  conversationEffects?: (uow: UnitOfWork, change: ConversationChangeEffect) => Promise<void>;
}

/** A lifecycle change as `conversationEffects` sees it (the conversation row after the change). */
export interface ConversationChangeEffect {
  change: ConversationChangedPayload['change'];
  conversation: ConversationRow;
  /** The agent who joined (change `joined`). */
  agentId?: string;
  /** A start: the conversation's first message. */
  firstMessageId?: string;
}

/** Anyone who may read or write through this service: the owner, staff, or an API token (its scope checked by the route). */
type Reader = PublicPrincipal | StaffOrToken;

/** Reads every conversation (staff, and tokens with conversations:read). */
const readsAll = (p: Reader): p is StaffOrToken => p.kind === 'staff' || p.kind === 'token';
/** The title a bot's messages carry, so visitors and agents see it is not a person. */
export const BOT_TITLE = 'Bot';

export interface StartInput {
  displayName?: string;
  topicId?: string;
  text: string;
  clientMsgId?: string;
  email?: string;
  /** The page the start form was on (informational; shown to staff in the contact panel). */
  pageUrl?: string;
  /** The request's User-Agent header (parsed for the contact panel; never shown raw to visitors). */
  userAgent?: string | null;
}

/**
 * Hooks other modules add (services.ts), run inside the lifecycle change's own transaction: routing records the
 * topic's team and queues an automatic assignment, contacts record where the conversation started, and routing
 * refuses to let an agent pick a waiting conversation from another team's queue. Queries only (no other I/O).
 */
export interface ConversationHooks {
  started: ((uow: UnitOfWork, conversation: ConversationRow, input: StartInput) => Promise<void>)[];
  beforeJoin: ((uow: UnitOfWork, conversation: ConversationRow, staff: StaffPrincipal) => Promise<void>)[];
}

/** Associated data binding a message ciphertext to its row: swapping two bodies makes both fail to decrypt. */
export const messageAad = (conversationId: string, messageId: string) => `msg:${conversationId}:${messageId}`;

const ownerKey = (p: PublicPrincipal) => (p.kind === 'customer' ? `customer:${p.userId}` : `visitor:${p.visitorId}`);
const OPEN: readonly ConversationRow['status'][] = ['waiting', 'active'];

/**
 * The conversation lifecycle and the send path. Every rule about who may read or write a conversation lives
 * here, for HTTP and sockets alike: a foreign id and a missing id both answer not_found, identity always comes
 * from the principal, and every message goes through the group-commit writer (or, for system lines, the same
 * append in the lifecycle change's own transaction).
 */
export class ConversationService {
  readonly hooks: ConversationHooks = { started: [], beforeJoin: [] };

  constructor(private readonly deps: ConversationServiceDeps) {}

  // Reading

  private ownsConversation(p: PublicPrincipal, c: ConversationRow): boolean {
    if (p.kind === 'visitor') return c.visitorId === p.visitorId && c.customerId === null;
    return c.customerId === p.userId;
  }

  /** The conversation if `principal` may read it; otherwise not_found (never "forbidden": no existence leak). */
  async requireReadable(principal: Reader, id: string): Promise<ConversationRow> {
    const row = typeof id === 'string' && id.length <= 64 ? await findConversation(this.deps.db, id) : undefined;
    if (!row) throw new AppError('not_found');
    if (!readsAll(principal) && !this.ownsConversation(principal, row)) throw new AppError('not_found');
    return row;
  }

  /** Refuses staff who have not joined the conversation (not_a_participant). */
  async requireParticipant(staff: StaffPrincipal, id: string): Promise<void> {
    if (!(await this.isParticipantNow(id, staff.userId))) throw new AppError('not_a_participant');
  }

  /** A visitor's or customer's conversations, newest activity first (the rooms its sockets join). */
  async ownedConversations(principal: PublicPrincipal, limit: number): Promise<ConversationRow[]> {
    const owner = principal.kind === 'customer' ? { customerId: principal.userId } : { visitorId: principal.visitorId };
    return (await listOwnedConversations(this.deps.db, owner, limit)).filter((r) =>
      this.ownsConversation(principal, r),
    );
  }

  /** The open conversations an agent is in (the rooms the desk's socket follows). */
  openConversationIdsOf(staff: StaffPrincipal): Promise<string[]> {
    return openConversationsOfAgent(this.deps.db, staff.userId).then((rows) => rows.map((r) => r.id));
  }

  /** A waiting conversation's 1-based place in the queue. */
  queuePositionOf(c: Pick<ConversationRow, 'id' | 'waitingSince'>): Promise<number> {
    return queuePositionOf(this.deps.db, c);
  }

  /** Both sides' views of a conversation as it is now (for live pushes), or undefined once it is gone. */
  async currentViews(id: string): Promise<{ public: ConversationView; staff: ConversationView } | undefined> {
    const row = await findConversation(this.deps.db, id);
    if (!row) return undefined;
    const [publicView, staffView] = await Promise.all([this.viewOf(row, 'public'), this.viewOf(row, 'staff')]);
    return { public: publicView, staff: staffView };
  }

  /** The conversation if `principal` may write in it now (open; staff must have joined); else the refusal. */
  async requireWritable(principal: Reader, id: string): Promise<ConversationRow> {
    const row = await this.requireReadable(principal, id);
    await this.writeCheck(principal)(row, this.isParticipantNow);
    return row;
  }

  async getView(principal: PublicPrincipal, id: string): Promise<ConversationView> {
    const row = await this.requireReadable(principal, id);
    return this.viewOf(row, 'public');
  }

  async getStaffView(staff: StaffOrToken, id: string): Promise<StaffConversationView> {
    const row = await this.requireReadable(staff, id);
    return (await this.viewOf(row, 'staff')) as StaffConversationView;
  }

  /** The conversation as seen from a side (staff views carry the staff-only fields). */
  async viewOf(row: ConversationRow, side: Viewer['side']): Promise<ConversationView> {
    const [participants, agentsReadSeq, queuePosition, verifiedContact] = await Promise.all([
      listParticipants(this.deps.db, [row.id]),
      agentsReadPublicSeq(this.deps.db, row.id),
      row.status === 'waiting' ? queuePositionOf(this.deps.db, row) : Promise.resolve(null),
      // Staff see whether a widget visitor is a user the host site vouched for (docs/widget.md).
      side === 'staff' && row.visitorId && row.customerId === null
        ? findVerifiedContact(this.deps.db, row.visitorId).then((c) => c ?? null)
        : Promise.resolve(null),
    ]);
    const extras = { agentsReadSeq, queuePosition, verifiedContact };
    return side === 'staff'
      ? presentStaffConversation(row, participants, this.agentTitle(), extras)
      : presentConversation(row, participants, side, this.agentTitle(), extras);
  }

  private agentTitle(): string {
    return this.deps.settings.get('branding.agentTitle');
  }

  /** Messages after `after` in the viewer's numbering, decrypted; `hasMore` when the page was full. */
  async history(
    principal: Reader,
    id: string,
    after: number,
    limit: number,
  ): Promise<{ conversation: ConversationView; messages: MessageView[]; hasMore: boolean }> {
    const row = await this.requireReadable(principal, id);
    const viewer: Viewer = { side: readsAll(principal) ? 'staff' : 'public', principal };
    const lastSeq = viewer.side === 'public' ? row.lastPublicSeq : row.lastSeq;
    if (!Number.isSafeInteger(after) || after < 0 || after > lastSeq) {
      // A sequence from the future (or another conversation): the client must resync from what it can trust.
      throw new AppError('sequence_invalid', undefined, { lastSeq });
    }
    const rows = await listMessagesAfter(this.deps.db, row.id, after, limit + 1, viewer.side);
    let page = rows.slice(0, limit);
    // An API token reads private notes only with notes:read (staff numbering: the gaps are where notes were).
    if (principal.kind === 'token' && !principal.scopes.includes('notes:read'))
      page = page.filter((m) => m.kind !== 'note');
    return {
      conversation: await this.viewOf(row, viewer.side),
      messages: await this.decryptAll(page, viewer),
      hasMore: rows.length > limit,
    };
  }

  /** Decrypts and presents rows with their files; a row that fails to decrypt is shown as unreadable, the others still read. */
  async decryptAll(rows: MessageRow[], viewer: Viewer): Promise<MessageView[]> {
    const out: MessageView[] = [];
    const files = await this.deps.attachments.viewsByMessage(
      this.deps.db,
      rows.filter((r) => viewer.side === 'staff' || r.kind !== 'note').map((r) => r.id),
    );
    for (const row of rows) {
      const text = await this.decryptText(row.conversationId, row.id, row.body);
      const view = presentMessage(row, text, viewer.side, isSelf(viewer, row.authorId), files.get(row.id) ?? []);
      if (view) out.push(view);
    }
    return out;
  }

  async decryptText(conversationId: string, messageId: string, body: Buffer): Promise<string | null> {
    try {
      return (await this.deps.keys.decryptFor(conversationId, body, messageAad(conversationId, messageId))).toString(
        'utf8',
      );
    } catch (err) {
      if (err instanceof DecryptionError) return null;
      throw err;
    }
  }

  /**
   * A visitor's or customer's conversations, newest first, each with the question it started with (`firstMessage`,
   * what a history row shows) and its last visible message.
   */
  async listMine(
    principal: PublicPrincipal,
    options: { limit?: number; search?: string } = {},
  ): Promise<(ConversationView & { firstMessage: MessageView | null; lastMessage: MessageView | null })[]> {
    const owner = principal.kind === 'customer' ? { customerId: principal.userId } : { visitorId: principal.visitorId };
    let rows = (await listOwnedConversations(this.deps.db, owner, options.limit ?? 50)).filter((r) =>
      this.ownsConversation(principal, r),
    );
    if (options.search) rows = await this.matching(rows, options.search, { side: 'public', principal });
    const viewer: Viewer = { side: 'public', principal };
    const [participants, lasts, firsts] = await Promise.all([
      listParticipants(
        this.deps.db,
        rows.map((r) => r.id),
      ),
      lastPublicMessages(this.deps.db, rows),
      firstPublicMessages(
        this.deps.db,
        rows.map((r) => r.id),
      ),
    ]);
    const lastBy = new Map(lasts.map((m) => [m.conversationId, m]));
    const firstBy = new Map(firsts.map((m) => [m.conversationId, m]));
    const out = [];
    for (const row of rows) {
      const last = lastBy.get(row.id);
      const first = firstBy.get(row.id);
      const lastMessage = last ? ((await this.decryptAll([last], viewer))[0] ?? null) : null;
      const firstMessage = first
        ? first.id === last?.id
          ? lastMessage
          : ((await this.decryptAll([first], viewer))[0] ?? null)
        : null;
      out.push({
        ...presentConversation(
          row,
          participants.filter((p) => p.conversationId === row.id),
          'public',
          this.agentTitle(),
        ),
        firstMessage,
        lastMessage,
      });
    }
    return out;
  }

  /**
   * The conversations whose topic or visible messages contain `search` (case-insensitive). Bodies are encrypted,
   * so this decrypts and filters; it is bounded by the caller's page of conversations.
   */
  private async matching(rows: ConversationRow[], search: string, viewer: Viewer): Promise<ConversationRow[]> {
    const needle = search.normalize('NFC').toLowerCase();
    const out: ConversationRow[] = [];
    for (const row of rows) {
      if (row.topicLabel?.toLowerCase().includes(needle)) {
        out.push(row);
        continue;
      }
      const messages = await this.decryptAll(
        await listMessagesAfter(this.deps.db, row.id, 0, 1000, viewer.side),
        viewer,
      );
      if (messages.some((m) => m.text?.normalize('NFC').toLowerCase().includes(needle))) out.push(row);
    }
    return out;
  }

  listTopics() {
    return listTopics(this.deps.db, true).then((rows) => rows.map((t) => ({ id: t.id, label: t.label })));
  }

  // Starting and sending

  /**
   * Opens a conversation with its first message. One open conversation per visitor or customer is a unique
   * index: two simultaneous starts (even on two servers) give one conversation and one conversation_already_open.
   */
  async start(
    principal: PublicPrincipal,
    input: StartInput,
  ): Promise<{ conversation: ConversationView; message: MessageView; offline: OfflineStart | null }> {
    const staffNames = await staffDisplayNames(this.deps.db);
    // A customer starts under its account name unless it gives one; either way the name passes the same rule (an
    // account named before the rule, or before an agent of that name arrived, is asked to change it).
    const given = input.displayName !== undefined || principal.kind === 'visitor';
    const checked = validateDisplayName(given ? (input.displayName ?? '') : principal.displayName, staffNames);
    if (!checked.ok) {
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'displayName', message: checked.message, code: checked.code }],
      });
    }
    const displayName = checked.name;
    let topic: { id: string; label: string } | undefined;
    if (input.topicId !== undefined) {
      const row = await findTopic(this.deps.db, input.topicId);
      if (!row || row.isActive !== 1) {
        throw new AppError('validation_failed', undefined, {
          fields: [{ path: 'topicId', message: 'is not one of the topics' }],
        });
      }
      topic = { id: row.id, label: row.label };
    }
    // Support hours: the same answer GET /api/status gives at this instant (offline-start.ts).
    const now = this.deps.clock.now();
    const offline = this.deps.schedule
      ? await offlineStartNotice({ schedule: this.deps.schedule, settings: this.deps.settings }, principal, input, now)
      : null;
    const existing = await findOpenConversationOf(this.deps.db, ownerKey(principal));
    if (existing) throw new AppError('conversation_already_open', undefined, { conversationId: existing.id });
    await consumeOrThrow(
      this.deps.messageLimiter,
      this.limitKey(principal),
      'You are sending messages too fast; please slow down.',
    );

    const conversation: ConversationRow = {
      id: newId(),
      visitorId: principal.visitorId,
      customerId: principal.kind === 'customer' ? principal.userId : null,
      openOwner: ownerKey(principal),
      displayName,
      email: input.email ?? null,
      topicId: topic?.id ?? null,
      topicLabel: topic?.label ?? null,
      status: 'waiting',
      lastSeq: 0,
      lastPublicSeq: 0,
      createdAt: now,
      updatedAt: now,
      lastMessageAt: now,
      waitingSince: now,
      firstResponseAt: null,
      closedAt: null,
      closedById: null,
      closedByName: null,
      ownerReadSeq: 1,
    };
    const messageId = newTimeOrderedId();
    let row: MessageRow;
    try {
      [row] = (await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
        await insertConversation(uow.trx, conversation);
        await this.deps.keys.createDataKey(uow.trx, conversation.id);
        // The new data key is cached by createDataKey: this encryption does no I/O inside the transaction.
        const body = await this.deps.keys.encryptFor(
          conversation.id,
          input.text,
          messageAad(conversation.id, messageId),
        );
        const rows = await appendToLockedConversation(uow, conversation, [
          {
            ...this.authorOf(principal, displayName),
            id: messageId,
            conversationId: conversation.id,
            kind: 'text',
            clientMsgId: input.clientMsgId ?? null,
            body,
            createdAt: now,
          },
          // Started while closed: the offline line commits with the conversation (encrypted with the cached key).
          ...(offline ? [await this.systemLine(conversation.id, offline.message)] : []),
        ]);
        for (const hook of this.hooks.started) await hook(uow, conversation, input);
        this.emitChange(uow, conversation, 'created');
        await this.deps.conversationEffects?.(uow, { change: 'created', conversation, firstMessageId: messageId });
        return rows;
      })) as [MessageRow];
    } catch (err) {
      if (isUniqueViolation(err)) {
        const open = await findOpenConversationOf(this.deps.db, ownerKey(principal));
        throw new AppError('conversation_already_open', undefined, { conversationId: open?.id });
      }
      throw err;
    }
    return {
      conversation: await this.viewOf(conversation, 'public'),
      message: presentMessage(row, input.text, 'public', true, [])!,
      offline,
    };
  }

  private authorOf(principal: PublicPrincipal | StaffOrToken, name: string) {
    if (principal.kind === 'token') return this.botAuthor(principal);
    if (principal.kind === 'staff') {
      return {
        authorType: 'staff' as const,
        authorId: principal.userId,
        authorName: principal.displayName,
        authorTitle: this.agentTitle(),
      };
    }
    return {
      authorType: principal.kind,
      authorId: principal.kind === 'customer' ? principal.userId : principal.visitorId,
      authorName: name,
      authorTitle: null,
    };
  }

  /** A token with messages:write writes as its bot: author type `bot`, the token's id, its bot name, title "Bot". */
  private botAuthor(token: TokenPrincipal) {
    if (!token.scopes.includes('messages:write') || !token.botName) throw new AppError('insufficient_scope');
    return { authorType: 'bot' as const, authorId: token.tokenId, authorName: token.botName, authorTitle: BOT_TITLE };
  }

  private limitKey(p: PublicPrincipal | StaffOrToken): string {
    if (p.kind === 'token') return `t:${p.tokenId}`;
    return p.kind === 'visitor' ? `v:${p.visitorId}` : `u:${p.userId}`;
  }

  /**
   * Sends a message: validate → authorise (here and again inside the transaction) → dedupe on (conversation,
   * author, client id) → sequence and insert in one group commit → acknowledge → publish. A duplicate client id
   * returns the original; the same id with different text (or other files) is duplicate_client_id. Files are
   * uploaded first (AttachmentService.upload) and referenced by id: checked here (mine, in this conversation,
   * within the count and size limits) and bound to the message inside the writer's transaction.
   */
  async send(
    principal: PublicPrincipal | StaffOrToken,
    conversationId: string,
    input: { clientMsgId: string; text: string; note?: boolean; attachmentIds?: readonly string[] },
  ): Promise<{ message: MessageView; duplicate: boolean }> {
    // No read here: who may write is decided on the locked conversation row inside the writer's transaction, for
    // every message (the owner, or staff who joined, or a bot; open), so a send costs no database round trip of its own.
    if (typeof conversationId !== 'string' || conversationId.length > 64) throw new AppError('not_found');
    if (principal.kind === 'token') {
      // A bot writes text replies only: no private notes, no files (uploads belong to people).
      if (input.note === true || (input.attachmentIds?.length ?? 0) > 0) {
        throw new AppError('forbidden', 'A bot can send text replies only (no private notes or files).');
      }
      this.botAuthor(principal);
    }
    const isNote = principal.kind === 'staff' && input.note === true;
    const attachmentIds = input.attachmentIds ?? [];
    if (input.text === '' && attachmentIds.length === 0) {
      // The wire schemas refuse this already; services keep their own rules.
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'text', message: 'Please write a message.', code: 'message_empty' }],
      });
    }
    const attachmentRows =
      principal.kind === 'token'
        ? []
        : await this.deps.attachments.checkReferences(conversationId, uploaderOf(principal), attachmentIds);
    await consumeOrThrow(
      this.deps.messageLimiter,
      this.limitKey(principal),
      'You are sending messages too fast; please slow down.',
    );

    const messageId = newTimeOrderedId();
    let body: Buffer;
    try {
      body = await this.deps.keys.encryptFor(conversationId, input.text, messageAad(conversationId, messageId));
    } catch (err) {
      if (err instanceof MissingDataKeyError) throw new AppError('not_found');
      throw err;
    }
    const message: NewMessage = {
      // Visitors and customers write under the conversation's display name, filled in by the writer.
      ...this.authorOf(principal, ''),
      id: messageId,
      conversationId,
      kind: isNote ? 'note' : 'text',
      clientMsgId: input.clientMsgId,
      body,
      createdAt: this.deps.clock.now(),
    };
    // Before the append: the commit's event may reach this instance's fan-out before this call resumes.
    this.recentPlaintext.set(messageId, input.text);
    let result;
    try {
      result = await this.deps.writer.append({
        message,
        attachmentIds,
        effects: this.deps.messageEffects?.(message) ?? [],
      });
    } finally {
      if (result?.message.id !== messageId) this.recentPlaintext.delete(messageId);
    }
    const viewer: Viewer = { side: readsAll(principal) ? 'staff' : 'public', principal };
    let text = input.text;
    let files = attachmentRows.length > 0 ? await this.deps.attachments.viewsOf(attachmentRows) : [];
    if (result.duplicate) {
      const original = await this.decryptText(conversationId, result.message.id, result.message.body);
      files =
        (await this.deps.attachments.viewsByMessage(this.deps.db, [result.message.id])).get(result.message.id) ?? [];
      const sameFiles = files.length === attachmentIds.length && files.every((f) => attachmentIds.includes(f.id));
      if (original !== input.text || (result.message.kind === 'note') !== isNote || !sameFiles)
        throw new AppError('duplicate_client_id');
      text = original;
    }
    return { message: presentMessage(result.message, text, viewer.side, true, files)!, duplicate: result.duplicate };
  }

  /**
   * Plaintext of messages this instance just stored, so their fan-out on this instance does not decrypt what it
   * encrypted a moment ago (other instances decrypt once each). Bounded; taken once.
   */
  private readonly recentPlaintext = new LruCache<string, string>(4_096);

  /** The text of a `message.created` event: from the send that stored it on this instance, or decrypted. */
  async textOfEvent(conversationId: string, messageId: string, body: Buffer | (() => Buffer)): Promise<string | null> {
    const known = this.recentPlaintext.get(messageId);
    if (known !== undefined) {
      this.recentPlaintext.delete(messageId);
      return known;
    }
    return this.decryptText(conversationId, messageId, typeof body === 'function' ? body() : body);
  }

  private readonly isParticipantNow: IsParticipant = async (conversationId, userId) =>
    Boolean(await findParticipant(this.deps.db, conversationId, userId));

  /** Who may write: the owner while it is open; staff only after joining, while it is open; a bot while it is open. */
  private writeCheck(principal: Reader) {
    return async (c: ConversationRow, isParticipant: IsParticipant) => {
      if (!OPEN.includes(c.status)) throw new AppError('conversation_closed');
      if (principal.kind === 'staff' && !(await isParticipant(c.id, principal.userId))) {
        throw new AppError('not_a_participant');
      }
    };
  }

  // Lifecycle (each change and its system line commit together)

  private async systemLine(conversationId: string, text: string): Promise<NewMessage> {
    const id = newTimeOrderedId();
    return {
      id,
      conversationId,
      kind: 'system',
      authorType: 'system',
      authorId: null,
      authorName: 'System',
      authorTitle: null,
      clientMsgId: null,
      body: await this.deps.keys.encryptFor(conversationId, text, messageAad(conversationId, id)),
      createdAt: this.deps.clock.now(),
    };
  }

  private emitChange(
    uow: UnitOfWork,
    c: ConversationRow,
    change: ConversationChangedPayload['change'],
    agentId?: string,
  ): void {
    uow.emit(
      domainEvent('conversation.changed', {
        conversationId: c.id,
        change,
        status: c.status,
        visitorId: c.visitorId,
        customerId: c.customerId,
        ...(agentId ? { agentId } : {}),
      }),
    );
  }

  /**
   * Runs `fn` on the locked conversation row inside one transaction; `lines` are system messages appended in the
   * same transaction. Encryption happens before the transaction opens. Also the primitive of lifecycle changes
   * decided elsewhere (routing: automatic assignment, transfer): `fn` may throw to roll everything back.
   */
  async change(
    id: string,
    lines: string[],
    fn: (
      uow: UnitOfWork,
      c: ConversationRow,
    ) => Promise<{ append: boolean; change?: ConversationChangedPayload['change']; agentId?: string }>,
  ): Promise<ConversationRow> {
    const messages = await Promise.all(lines.map((text) => this.systemLine(id, text)));
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const c = (await lockConversations(uow.trx, this.deps.dialect, [id])).get(id);
      if (!c) throw new AppError('not_found');
      const { append, change, agentId } = await fn(uow, c);
      if (append && messages.length > 0) {
        const now = this.deps.clock.now();
        for (const m of messages) m.createdAt = now;
        await appendToLockedConversation(uow, c, messages);
      }
      await setStatus(uow.trx, c.id, c.status, {
        openOwner: c.openOwner,
        waitingSince: c.waitingSince,
        closedAt: c.closedAt,
        closedById: c.closedById,
        closedByName: c.closedByName,
        updatedAt: this.deps.clock.now(),
      });
      if (change) {
        this.emitChange(uow, c, change, agentId);
        await this.deps.conversationEffects?.(uow, { change, conversation: c, agentId });
      }
      return c;
    });
  }

  /** The visitor or customer leaves: read-only for them from now on; agents still see it and close it. */
  async leave(principal: PublicPrincipal, id: string): Promise<ConversationView> {
    const row = await this.requireReadable(principal, id);
    if (!OPEN.includes(row.status)) return this.viewOf(row, 'public');
    const who = principal.kind === 'customer' ? row.displayName : 'The visitor';
    const c = await this.change(id, [`${who} left the chat`], async (_uow, c) => {
      if (!OPEN.includes(c.status)) return { append: false };
      c.status = 'left';
      c.openOwner = null;
      c.waitingSince = null;
      return { append: true, change: 'left' };
    });
    return this.viewOf(c, 'public');
  }

  /** Joins as an agent: idempotent and atomic (a participant row is unique per conversation and agent). */
  async join(staff: StaffPrincipal, id: string): Promise<StaffConversationView> {
    await this.requireReadable(staff, id);
    const c = await this.change(id, [`${staff.displayName} joined the chat`], async (uow, c) => {
      if (!OPEN.includes(c.status)) throw new AppError('conversation_closed');
      for (const hook of this.hooks.beforeJoin) await hook(uow, c, staff);
      const added = await insertParticipantIfAbsent(uow.trx, {
        conversationId: c.id,
        userId: staff.userId,
        displayName: staff.displayName,
        jobTitle: staff.jobTitle,
        joinedAt: this.deps.clock.now(),
        lastReadSeq: 0,
      });
      if (!added) return { append: false };
      c.status = 'active';
      c.waitingSince = null;
      return { append: true, change: 'joined', agentId: staff.userId };
    });
    return this.getStaffView(staff, c.id);
  }

  /** An agent leaves (hand-over); with nobody left the conversation returns to the queue. */
  async leaveAsAgent(staff: StaffPrincipal, id: string): Promise<StaffConversationView> {
    await this.requireReadable(staff, id);
    await this.removeAgent(id, staff.userId, `${staff.displayName} left the chat`);
    return this.getStaffView(staff, id);
  }

  private removeAgent(id: string, userId: string, line: string): Promise<ConversationRow> {
    return this.change(id, [line], async (uow, c) => {
      if (!(await deleteParticipant(uow.trx, c.id, userId))) return { append: false };
      if (OPEN.includes(c.status) && (await countParticipants(uow.trx, c.id)) === 0) {
        c.status = 'waiting';
        c.waitingSince = this.deps.clock.now();
        return { append: true, change: 'requeued' };
      }
      return { append: true, change: 'agent_left' };
    });
  }

  /** Closes: for the conversation's agents and for admins. The transcript is kept. */
  async close(staff: StaffPrincipal, id: string): Promise<StaffConversationView> {
    const row = await this.requireReadable(staff, id);
    if (staff.role !== 'admin' && !(await findParticipant(this.deps.db, id, staff.userId))) {
      throw new AppError('not_a_participant', 'Only this conversation’s agents or an admin can close it.');
    }
    if (row.status === 'closed') return this.getStaffView(staff, id);
    await this.change(id, [`${staff.displayName} closed the chat`], async (_uow, c) => {
      if (c.status === 'closed') return { append: false };
      c.status = 'closed';
      c.openOwner = null;
      c.waitingSince = null;
      c.closedAt = this.deps.clock.now();
      c.closedById = staff.userId;
      c.closedByName = staff.displayName;
      return { append: true, change: 'closed' };
    });
    return this.getStaffView(staff, id);
  }

  /** Closes an open conversation that has had no message since `idleSince` (the optional idle auto-close). */
  async closeIdle(id: string, idleSince: number, hours: number): Promise<boolean> {
    let closed = false;
    await this.change(id, [`Closed automatically after ${hours} hours without messages`], async (_uow, c) => {
      if (!OPEN.includes(c.status) || c.lastMessageAt >= idleSince) return { append: false };
      c.status = 'closed';
      c.openOwner = null;
      c.waitingSince = null;
      c.closedAt = this.deps.clock.now();
      c.closedById = null;
      c.closedByName = 'Automatic';
      closed = true;
      return { append: true, change: 'closed' };
    });
    return closed;
  }

  // Hooks from identity (run inside the account change's transaction)

  /** A visitor signed in or registered: its conversations belong to the customer account now. */
  async attachVisitor(uow: UnitOfWork, visitorId: string, customer: UserRow): Promise<void> {
    // If the customer already has an open conversation elsewhere, the visitor's open one keeps counting against the
    // visitor (both stay readable to the customer); otherwise it becomes the customer's one open conversation.
    const customerHasOpen = (await findOpenConversationOf(uow.trx, `customer:${customer.id}`)) !== undefined;
    const ids = await attachVisitorConversations(uow.trx, visitorId, customer.id, !customerHasOpen);
    for (const id of ids) {
      const c = await findConversation(uow.trx, id);
      if (c) this.emitChange(uow, c, 'attached');
    }
  }

  /**
   * An anonymous widget visitor was identified as a host site's contact: its conversations become the contact's.
   * Only ever from an anonymous visitor to a verified contact (the caller checks), never the other way round.
   */
  async handOverVisitor(uow: UnitOfWork, fromVisitorId: string, toVisitorId: string): Promise<void> {
    const contactHasOpen = (await findOpenConversationOf(uow.trx, `visitor:${toVisitorId}`)) !== undefined;
    const ids = await handOverVisitorConversations(uow.trx, fromVisitorId, toVisitorId, !contactHasOpen);
    for (const id of ids) {
      const c = await findConversation(uow.trx, id);
      if (c) this.emitChange(uow, c, 'attached');
    }
  }

  /** A customer is deleted: their conversations, messages and keys go (crypto-shredded). */
  async eraseCustomer(uow: UnitOfWork, customerId: string): Promise<void> {
    for (const { id } of await listConversationIdsOfCustomer(uow.trx, customerId)) await this.erase(uow, id);
  }

  async erase(uow: UnitOfWork, id: string): Promise<void> {
    const c = await findConversation(uow.trx, id);
    if (!c) return;
    await this.deps.keys.shred(uow, id);
    // The attachment rows go with the conversation (cascade); their files are deleted once this commits.
    await this.deps.attachments.deleteFilesAfterErase(uow, id);
    await deleteConversationRow(uow.trx, id);
    this.emitChange(uow, { ...c, status: 'closed' }, 'erased');
  }

  /**
   * A staff member is deactivated or deleted: they leave every open conversation, and one left without agents
   * goes back to the queue (the original orphaned it).
   */
  async removeAgentEverywhere(uow: UnitOfWork, user: UserRow): Promise<void> {
    for (const c of await openConversationsOfAgent(uow.trx, user.id)) {
      await deleteParticipant(uow.trx, c.id, user.id);
      if ((await countParticipants(uow.trx, c.id)) === 0) {
        await setStatus(uow.trx, c.id, 'waiting', { waitingSince: this.deps.clock.now() });
        this.emitChange(uow, { ...c, status: 'waiting' }, 'requeued');
      } else {
        this.emitChange(uow, c, 'agent_left');
      }
    }
  }
}
