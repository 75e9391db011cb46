import { useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { Composer } from '../../shared/chat/Composer.js';
import { publicAttachmentUrl } from '../../shared/chat/AttachmentList.js';
import { MessageList } from '../../shared/chat/MessageList.js';
import { useAttachmentUploads } from '../../shared/chat/use-attachment-uploads.js';
import { useAttachmentLimits } from '../../shared/use-attachment-limits.js';
import { useBranding } from '../../shared/use-branding.js';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog.js';
import { drafts } from '../../shared/chat/storage.js';
import { useLiveConversation } from '../../shared/chat/use-live-conversation.js';
import { visitorSocket } from '../conversation/visitor-socket.js';
import { chime } from '../../shared/chime.js';
import { TranscriptForm } from '../components/TranscriptForm.js';
import { CsatForm } from '../components/CsatForm.js';
import { startFiles } from '../conversation/start-files.js';

// The conversation's state, in words. Whether this browser is connected is a different fact: see CONNECTION.
const STATUS_LABEL = {
  waiting: 'Waiting for an agent',
  active: 'Agent joined',
  closed: 'Closed',
  left: 'You left',
} as const;
const STATUS_BADGE = {
  waiting: 'text-bg-warning',
  active: 'text-bg-success',
  closed: 'text-bg-secondary',
  left: 'text-bg-secondary',
} as const;
/** The connection's state when it is worth saying: while it is down it replaces the conversation's badge. */
const CONNECTION = {
  connecting: { label: 'Connecting…', badge: 'text-bg-light border' },
  reconnecting: { label: 'Reconnecting…', badge: 'text-bg-warning' },
  offline: { label: 'Offline', badge: 'text-bg-danger' },
  back: { label: 'Back online', badge: 'text-bg-success' },
} as const;

/** A visitor's or customer's conversation: live transcript, composer, status, leave. */
export function ConversationPage(props: { id: string }) {
  const c = useLiveConversation(visitorSocket, props.id);
  const { mailConfigured } = useBranding();
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [sound, setSoundState] = useState(() => localStorage.getItem('sc-visitor-sound') !== 'off');
  const setSound = (on: boolean) => {
    setSoundState(on);
    try {
      localStorage.setItem('sc-visitor-sound', on ? 'on' : 'off');
    } catch {
      // remembered for this page only
    }
  };
  const [livePosition, setLivePosition] = useState<number | null>(null);
  const position = livePosition ?? c.conversation?.queuePosition ?? null;
  useEffect(() => {
    const socket = visitorSocket();
    const onPosition = (p: { conversationId: string; position: number }) => {
      if (p.conversationId === props.id) setLivePosition(p.position);
    };
    socket.on('queue:position', onPosition);
    return () => {
      socket.off('queue:position', onPosition);
    };
  }, [props.id]);
  // A chime for a new message from the team while this tab is in the background (toggleable, remembered).
  const heard = useRef(0);
  useEffect(() => {
    const last = c.messages.at(-1);
    if (!last || last.seq <= heard.current) return;
    const first = heard.current === 0;
    heard.current = last.seq;
    if (!first && sound && !last.author.isSelf && last.kind !== 'system' && document.visibilityState !== 'visible')
      chime(false);
  }, [c.messages, sound]);
  // Reading: what is on screen counts as read, and the agents see "seen".
  useEffect(() => {
    const mark = () => {
      if (document.visibilityState === 'visible') c.markRead();
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [c.messages.length, c.markRead]);
  const limits = useAttachmentLimits();
  const isOpen = c.conversation?.status === 'waiting' || c.conversation?.status === 'active';
  const base = `/api/conversations/${encodeURIComponent(props.id)}/attachments`;
  const uploads = useAttachmentUploads({
    uploadUrl: isOpen ? base : null,
    deleteUrl: (attachmentId) => `${base}/${encodeURIComponent(attachmentId)}`,
    limits,
  });
  // Files chosen on the start form arrive here: upload them, then send them as a message of their own.
  const [sendFilesWhenReady, setSendFilesWhenReady] = useState(false);
  useEffect(() => {
    const files = startFiles.take(props.id);
    if (files.length === 0) return;
    uploads.add(files);
    setSendFilesWhenReady(true);
    // Only once per conversation page: `uploads.add` changes with the limits, and the handoff is taken once.
  }, [props.id]);
  useEffect(() => {
    if (!sendFilesWhenReady || uploads.busy || uploads.items.length === 0) return;
    setSendFilesWhenReady(false);
    // A refused file stays in the composer with its reason; the person decides what to send.
    if (uploads.items.every((i) => i.status === 'done')) {
      c.send('', { attachments: uploads.ready });
      uploads.clear();
    }
  }, [sendFilesWhenReady, uploads, c]);
  if (c.notFound) {
    return (
      <div className="alert alert-warning sc-chat mx-auto" role="alert">
        This conversation is not available in this browser. <Link href="/">Start a new one</Link>
      </div>
    );
  }
  const conversation = c.conversation;
  const open = conversation?.status === 'waiting' || conversation?.status === 'active';
  const lastOwn = [...c.messages].reverse().find((m) => m.author.isSelf);
  const down = c.connection === 'reconnecting' || c.connection === 'offline';
  const notConnected = c.connection === 'online' || c.connection === 'back' ? null : CONNECTION[c.connection];
  const seen = conversation && lastOwn && conversation.agentsReadSeq >= lastOwn.seq && conversation.agents.length > 0;
  return (
    <div className="sc-chat mx-auto">
      <div className="card border-0 shadow-sm sc-chat-card">
        <div className="card-header bg-body sc-chat-header">
          <h1 className="h5 mb-0 sc-chat-title">{conversation?.topic ?? 'Your conversation'}</h1>
          <div className="sc-chat-state" role="status">
            {notConnected ? (
              <span className={`badge ${notConnected.badge}`}>{notConnected.label}</span>
            ) : (
              <>
                {conversation && (
                  <span className={`badge ${STATUS_BADGE[conversation.status]}`}>
                    {STATUS_LABEL[conversation.status]}
                  </span>
                )}
                {c.connection === 'back' && (
                  <span className={`badge ms-1 ${CONNECTION.back.badge}`}>{CONNECTION.back.label}</span>
                )}
              </>
            )}
          </div>
          <div className="sc-chat-actions">
            <button
              type="button"
              className="btn btn-sm btn-outline-secondary"
              aria-pressed={sound}
              title={sound ? 'Sound on for new messages' : 'Sound off'}
              onClick={() => setSound(!sound)}
            >
              {sound ? 'Sound on' : 'Sound off'}
            </button>
            {open && (
              <button type="button" className="btn btn-sm btn-outline-danger" onClick={() => setConfirmLeave(true)}>
                Leave
              </button>
            )}
          </div>
        </div>
        {down && (
          <div className="alert alert-warning rounded-0 border-start-0 border-end-0 mb-0 py-2 small" role="alert">
            {c.connection === 'offline'
              ? 'You are offline: we cannot reach the server right now. We keep trying.'
              : 'The connection dropped. Reconnecting…'}{' '}
            {open && 'What you write now is kept here and sent once the connection is back.'}
          </div>
        )}
        {conversation?.status === 'waiting' && position !== null && (
          <div className="px-3 pt-2 small" role="status" aria-live="polite">
            {position === 1 ? 'You are next in line.' : `You are number ${position} in the queue.`} An agent will join
            shortly.
          </div>
        )}
        {conversation && conversation.agents.length > 0 && (
          <div className="px-3 pt-2 small text-body-secondary">
            With {conversation.agents.map((a) => `${a.name} (${a.title})`).join(', ')}
          </div>
        )}
        <MessageList
          messages={c.messages}
          pending={c.pending}
          pendingLabel={down ? 'not sent yet: waiting for the connection' : undefined}
          label="Conversation"
          attachmentUrl={publicAttachmentUrl}
        />
        <div className="sc-typing small text-body-secondary px-3" aria-live="polite">
          {c.typing.length > 0 &&
            `${c.typing.map((t) => t.name).join(', ')} ${c.typing.length > 1 ? 'are' : 'is'} typing…`}
          {c.typing.length === 0 && seen && <span>Seen</span>}
        </div>
        {c.error && (
          <div className="alert alert-danger mx-3 py-2 d-flex" role="alert">
            <span className="me-auto">{c.error}</span>
            <button type="button" className="btn-close" aria-label="Dismiss" onClick={c.dismissError} />
          </div>
        )}
        {conversation && !open ? (
          <div className="p-3 border-top d-flex flex-wrap align-items-center gap-2">
            <span className="me-auto">
              {conversation.status === 'closed'
                ? `This conversation was closed${conversation.closedBy ? ` by ${conversation.closedBy}` : ''}.`
                : 'You left this conversation.'}
            </span>
            <CsatForm conversationId={props.id} status={conversation.status} />
            <Link href="/" className="btn btn-primary">
              Start a new conversation
            </Link>
            {mailConfigured && (
              <div className="w-100">
                <TranscriptForm conversationId={props.id} />
              </div>
            )}
          </div>
        ) : (
          <Composer
            key={props.id}
            initialDraft={drafts.load(props.id)}
            onDraft={(text) => drafts.save(props.id, text)}
            onSend={(text, attachments) => c.send(text, { attachments })}
            onTyping={(isTyping) => c.setTyping(isTyping)}
            disabled={!conversation}
            uploads={uploads}
          />
        )}
      </div>
      <ConfirmDialog
        open={confirmLeave}
        title="Leave this conversation?"
        confirmLabel="Leave"
        danger
        onCancel={() => setConfirmLeave(false)}
        onConfirm={() => {
          setConfirmLeave(false);
          void c.leave();
        }}
      >
        You will not be able to write here any more. You can start a new conversation afterwards.
      </ConfirmDialog>
    </div>
  );
}
