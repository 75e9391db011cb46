import { useEffect, useState } from 'react';
import type { CannedReplyView } from '../../../../src/shared/canned.js';
import type { StaffConversationView } from '../../../../src/shared/conversations.js';
import type { MeResponse } from '../../../../src/shared/identity.schemas.js';
import { AttachmentDropZone } from '../../shared/chat/AttachmentPicker.js';
import { staffAttachmentUrl } from '../../shared/chat/AttachmentList.js';
import { MessageList } from '../../shared/chat/MessageList.js';
import { useAttachmentUploads } from '../../shared/chat/use-attachment-uploads.js';
import { useAttachmentLimits } from '../../shared/use-attachment-limits.js';
import { drafts } from '../../shared/chat/storage.js';
import { useLiveConversation } from '../../shared/chat/use-live-conversation.js';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog.js';
import { DeskComposer } from './DeskComposer.js';
import { staffSocket } from './staff-socket.js';
import { TransferDialog } from './RoutingControls.js';
import { ConversationTools } from './tools/ConversationTools.js';

const STATUS = {
  waiting: ['Waiting', 'text-bg-warning'],
  active: ['Active', 'text-bg-success'],
  closed: ['Closed', 'text-bg-secondary'],
  left: ['Visitor left', 'text-bg-secondary'],
} as const;

/** One conversation on the desk: transcript (notes included), who is in it, and the actions an agent may take. */
export function ConversationPane(props: {
  id: string;
  me: MeResponse;
  canned: CannedReplyView[];
  agentTitle: string;
  visible: boolean;
  /** Tells the desk what this tab is (its name for the tab bar, its status: a closed chat leaves the bar). */
  onState?: (id: string, state: { name: string; status: string; closedBy: string | null }) => void;
}) {
  const c = useLiveConversation<StaffConversationView>(staffSocket, props.id, {
    outboxScope: 'staff',
    selfId: props.me.id,
  });
  const [confirmClose, setConfirmClose] = useState(false);
  const [transferring, setTransferring] = useState(false);
  const conversation = c.conversation;
  const { onState } = props;
  useEffect(() => {
    if (conversation)
      onState?.(props.id, {
        name: conversation.displayName,
        status: conversation.status,
        closedBy: conversation.closedBy,
      });
  }, [conversation, onState, props.id]);
  const joined = conversation?.agents.some((a) => a.userId === props.me.id) ?? false;
  const open = conversation?.status === 'waiting' || conversation?.status === 'active';
  const limits = useAttachmentLimits();
  const base = `/api/staff/conversations/${encodeURIComponent(props.id)}/attachments`;
  const uploads = useAttachmentUploads({
    uploadUrl: open && joined ? base : null,
    deleteUrl: (attachmentId) => `${base}/${encodeURIComponent(attachmentId)}`,
    limits,
  });

  // Reading: while this pane is on screen, everything shown counts as read.
  useEffect(() => {
    if (props.visible && joined && c.messages.length > 0 && document.visibilityState === 'visible') c.markRead();
  }, [props.visible, joined, c.messages.length, c.markRead]);

  if (c.notFound) return <div className="alert alert-warning m-3">This conversation no longer exists.</div>;
  const [statusLabel, statusClass] = conversation ? STATUS[conversation.status] : ['…', 'text-bg-light'];
  const typing = c.typing.filter((t) => !t.note || joined);
  return (
    <section
      className="sc-pane card border-0 shadow-sm"
      aria-label={`Conversation with ${conversation?.displayName ?? ''}`}
    >
      <header className="card-header bg-body d-flex flex-wrap align-items-center gap-2">
        <div className="me-auto">
          <h2 className="h5 mb-0">
            {conversation?.displayName ?? 'Loading…'} <span className={`badge ${statusClass}`}>{statusLabel}</span>
          </h2>
          <div className="small text-body-secondary">
            {conversation?.verifiedContact && (
              <span
                className="badge text-bg-info me-1"
                title={`Signed in on ${conversation.verifiedContact.site} as user ${conversation.verifiedContact.userId}`}
              >
                Verified · {conversation.verifiedContact.site}
              </span>
            )}
            {conversation?.topic ?? 'No topic'}
            {conversation?.email ? ` · ${conversation.email}` : ''}
            {conversation &&
              conversation.agents.length > 0 &&
              ` · With ${conversation.agents.map((a) => a.name).join(', ')}`}
          </div>
        </div>
        {(c.connection === 'reconnecting' || c.connection === 'offline') && (
          <span className="badge text-bg-light border">{c.connection === 'offline' ? 'Offline' : 'Reconnecting…'}</span>
        )}
        {open && !joined && (
          <button type="button" className="btn btn-sm btn-primary" onClick={() => void c.act('conversation:join')}>
            Join
          </button>
        )}
        {open && joined && (
          <button
            type="button"
            className="btn btn-sm btn-outline-secondary"
            onClick={() => void c.act('conversation:leave')}
          >
            Leave
          </button>
        )}
        {open && (joined || props.me.role === 'admin') && (
          <button type="button" className="btn btn-sm btn-outline-secondary" onClick={() => setTransferring(true)}>
            Transfer
          </button>
        )}
        {open && (joined || props.me.role === 'admin') && (
          <button type="button" className="btn btn-sm btn-outline-danger" onClick={() => setConfirmClose(true)}>
            Close
          </button>
        )}
      </header>
      <ConversationTools id={props.id} me={props.me} conversation={conversation} />
      {conversation?.status === 'closed' && (
        <div className="alert alert-secondary rounded-0 mb-0 py-2" role="status">
          Closed{conversation.closedBy ? ` by ${conversation.closedBy}` : ''}
          {conversation.closedAt ? ` at ${new Date(conversation.closedAt).toLocaleTimeString()}` : ''}.
        </div>
      )}
      <MessageList
        messages={c.messages}
        pending={c.pending}
        label={`Messages with ${conversation?.displayName ?? ''}`}
        attachmentUrl={staffAttachmentUrl}
      />
      <div className="sc-typing small text-body-secondary px-3" aria-live="polite">
        {typing.length > 0 &&
          `${typing.map((t) => t.name).join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing${typing.some((t) => t.note) ? ' a note' : ''}…`}
        {conversation && conversation.ownerReadSeq > 0 && conversation.ownerReadSeq >= conversation.lastPublicSeq && (
          <span className="ms-2">Seen by the visitor</span>
        )}
      </div>
      {c.error && (
        <div className="alert alert-danger mx-3 py-2 d-flex" role="alert">
          <span className="me-auto">{c.error}</span>
          <button type="button" className="btn-close" aria-label="Dismiss" onClick={c.dismissError} />
        </div>
      )}
      {open && joined ? (
        <AttachmentDropZone onFiles={uploads.add}>
          <DeskComposer
            uploads={uploads}
            canned={props.canned}
            variables={{
              visitorName: conversation?.displayName ?? '',
              agentName: props.me.displayName,
              agentTitle: props.agentTitle,
            }}
            initialDraft={drafts.load(`staff:${props.id}`)}
            onDraft={(text) => drafts.save(`staff:${props.id}`, text)}
            onSend={(text, note, attachments) => c.send(text, { note, attachments })}
            onTyping={(isTyping, note) => c.setTyping(isTyping, note)}
          />
        </AttachmentDropZone>
      ) : open ? (
        <div className="p-3 border-top text-body-secondary small">Join the conversation to reply or add notes.</div>
      ) : null}
      <TransferDialog
        open={transferring}
        conversationId={props.id}
        selfId={props.me.id}
        onClose={() => setTransferring(false)}
        onDone={() => setTransferring(false)}
      />
      <ConfirmDialog
        open={confirmClose}
        title="Close this conversation?"
        confirmLabel="Close conversation"
        danger
        onCancel={() => setConfirmClose(false)}
        onConfirm={() => {
          setConfirmClose(false);
          void c.act('conversation:close');
        }}
      >
        {conversation?.displayName} will see that the conversation was closed. The transcript is kept.
      </ConfirmDialog>
    </section>
  );
}
