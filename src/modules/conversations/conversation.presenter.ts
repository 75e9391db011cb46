import type { AttachmentView } from '../../shared/attachments.js';
import type {
  ConversationView,
  MessageView,
  ParticipantView,
  StaffConversationView,
  VerifiedContactView,
} from '../../shared/conversations.js';
import type { ActingPrincipal } from '../identity/principal.js';
import type { ConversationRow, MessageRow, ParticipantRow } from './conversation.repository.js';

/** Who is looking: decides which sequence is shown, whether notes exist, and which messages are "mine". */
export type Viewer = { side: 'public' | 'staff'; principal: ActingPrincipal };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function isSelf(viewer: Viewer, authorId: string | null): boolean {
  if (authorId === null) return false;
  const p = viewer.principal;
  if (p.kind === 'visitor') return authorId === p.visitorId;
  if (p.kind === 'customer') return authorId === p.userId || authorId === p.visitorId;
  if (p.kind === 'token') return authorId === p.tokenId;
  return authorId === p.userId;
}

/**
 * A message as a viewer on `side` may see it, with its files; `self` says whether that viewer wrote it. Callers never pass notes
 * to public viewers (repositories filter them); this refuses them anyway, so a mistake elsewhere cannot leak one.
 */
export function presentMessage(
  row: Pick<
    MessageRow,
    | 'id'
    | 'conversationId'
    | 'seq'
    | 'publicSeq'
    | 'kind'
    | 'authorType'
    | 'authorId'
    | 'authorName'
    | 'authorTitle'
    | 'clientMsgId'
    | 'createdAt'
  >,
  text: string | null,
  side: Viewer['side'],
  self: boolean,
  attachments: AttachmentView[],
): MessageView | undefined {
  if (side === 'public' && (row.kind === 'note' || row.publicSeq === null)) return undefined;
  const view: MessageView = {
    id: row.id,
    conversationId: row.conversationId,
    seq: side === 'public' ? row.publicSeq! : row.seq,
    kind: row.kind,
    author: { type: row.authorType, name: row.authorName, title: row.authorTitle, isSelf: self },
    text,
    attachments,
    createdAt: new Date(row.createdAt).toISOString(),
    clientMsgId: self ? row.clientMsgId : null,
    ...(side === 'staff' ? { publicSeq: row.publicSeq } : {}),
  };
  if (text === null) view.error = { code: 'decryption_failed', message: 'This message cannot be read.' };
  return view;
}

/** Agents in a conversation: visitors see the service's agent title ("Support"), staff see job titles. */
export function presentParticipants(
  rows: ParticipantRow[],
  side: Viewer['side'],
  agentTitle: string,
): ParticipantView[] {
  return rows.map((p) => ({
    userId: p.userId,
    name: p.displayName,
    title: side === 'public' ? agentTitle : p.jobTitle,
  }));
}

/** Facts a conversation view needs that are not on its row. */
export interface ConversationExtras {
  queuePosition: number | null;
  agentsReadSeq: number;
  /** Staff views only: the host site's verified user behind a widget visitor. */
  verifiedContact?: VerifiedContactView | null;
}

export function presentConversation(
  row: ConversationRow,
  participants: ParticipantRow[],
  side: Viewer['side'],
  agentTitle: string,
  extras: ConversationExtras = { queuePosition: null, agentsReadSeq: 0 },
): ConversationView {
  const base: ConversationView = {
    id: row.id,
    status: row.status,
    displayName: row.displayName,
    topic: row.topicLabel,
    createdAt: new Date(row.createdAt).toISOString(),
    lastMessageAt: new Date(row.lastMessageAt).toISOString(),
    lastSeq: side === 'public' ? row.lastPublicSeq : row.lastSeq,
    agents: presentParticipants(participants, side, agentTitle),
    closedBy: row.closedByName,
    closedAt: iso(row.closedAt),
    queuePosition: row.status === 'waiting' ? extras.queuePosition : null,
    ownerReadSeq: row.ownerReadSeq,
    agentsReadSeq: extras.agentsReadSeq,
  };
  return base;
}

export function presentStaffConversation(
  row: ConversationRow,
  participants: ParticipantRow[],
  agentTitle: string,
  extras?: ConversationExtras,
): StaffConversationView {
  return {
    ...presentConversation(row, participants, 'staff', agentTitle, extras),
    lastPublicSeq: row.lastPublicSeq,
    customerId: row.customerId,
    visitorId: row.visitorId,
    email: row.email,
    waitingSince: iso(row.waitingSince),
    verifiedContact: extras?.verifiedContact ?? null,
  };
}
