import { useEffect, useRef, useState } from 'react';
import { Composer } from '../../shared/chat/Composer.js';
import { publicAttachmentUrl } from '../../shared/chat/AttachmentList.js';
import { MessageList } from '../../shared/chat/MessageList.js';
import { drafts } from '../../shared/chat/storage.js';
import { useAttachmentUploads } from '../../shared/chat/use-attachment-uploads.js';
import { useLiveConversation } from '../../shared/chat/use-live-conversation.js';
import { chime } from '../../shared/chime.js';
import { useAttachmentLimits } from '../../shared/use-attachment-limits.js';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog.js';
import { TranscriptForm } from '../../public/components/TranscriptForm.js';
import { startFiles } from '../../public/conversation/start-files.js';
import { postToHost } from './bridge.js';
import { site } from './session.js';
import { widgetSocket } from './socket.js';

const STATUS_LABEL = {
  waiting: 'Waiting for an agent',
  active: 'Connected',
  closed: 'Closed',
  left: 'You left',
} as const;
const SOUND_KEY = 'sc-widget-sound';

/**
 * The conversation inside the widget: the visitor chat's live conversation (resume, outbox, typing, read) with its
 * transcript and composer, laid out for a narrow frame. Reading counts only while the host has the chat open and
 * its tab is visible; the unread count goes to the launcher, new team messages to the host's `on('message')`.
 */
export function WidgetConversation(props: { id: string; visible: boolean; onNew: () => void; onGone: () => void }) {
  const c = useLiveConversation(widgetSocket, props.id, { outboxScope: `widget:${site}` });
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [sound, setSoundState] = useState(() => {
    try {
      return localStorage.getItem(SOUND_KEY) !== 'off';
    } catch {
      return true;
    }
  });
  const setSound = (on: boolean) => {
    setSoundState(on);
    try {
      localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
    } catch {
      // for this frame only
    }
  };
  const [livePosition, setLivePosition] = useState<number | null>(null);
  useEffect(() => {
    const socket = widgetSocket();
    const onPosition = (p: { conversationId: string; position: number }) => {
      if (p.conversationId === props.id) setLivePosition(p.position);
    };
    socket.on('queue:position', onPosition);
    return () => {
      socket.off('queue:position', onPosition);
    };
  }, [props.id]);
  useEffect(() => {
    if (c.notFound) props.onGone();
  }, [c.notFound]);

  const conversation = c.conversation;
  const visible = props.visible && document.visibilityState === 'visible';

  // New messages from the team: a chime unless the chat is in front of the visitor, and an event for the host.
  const heard = useRef(-1);
  useEffect(() => {
    const last = c.messages.at(-1);
    if (!conversation || !last) return;
    if (heard.current === -1) {
      heard.current = last.seq; // what was there when the frame loaded is not news
      return;
    }
    for (const m of c.messages) {
      if (m.seq <= heard.current || m.author.isSelf) continue;
      postToHost({
        type: 'message',
        message: {
          conversationId: m.conversationId,
          seq: m.seq,
          from: m.kind === 'system' ? 'system' : 'team',
          author: m.author.name,
          text: m.text,
          createdAt: m.createdAt,
        },
      });
      if (sound && m.kind !== 'system' && !visible) chime(false);
    }
    heard.current = Math.max(heard.current, last.seq);
  }, [c.messages, conversation, sound, visible]);

  // Reading: only what the visitor can see counts as read.
  useEffect(() => {
    const mark = () => {
      if (props.visible && document.visibilityState === 'visible') c.markRead();
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [c.messages.length, c.markRead, props.visible]);

  const open = conversation?.status === 'waiting' || conversation?.status === 'active';
  const unread = conversation
    ? c.messages.filter((m) => !m.author.isSelf && m.kind !== 'system' && m.seq > conversation.ownerReadSeq).length
    : 0;
  useEffect(() => {
    if (conversation) postToHost({ type: 'state', unread, hasConversation: open });
  }, [unread, open, conversation !== null]);

  const limits = useAttachmentLimits();
  const base = `/api/conversations/${encodeURIComponent(props.id)}/attachments`;
  const uploads = useAttachmentUploads({
    uploadUrl: open ? base : null,
    deleteUrl: (attachmentId) => `${base}/${encodeURIComponent(attachmentId)}`,
    limits,
  });
  const [sendFilesWhenReady, setSendFilesWhenReady] = useState(false);
  useEffect(() => {
    const files = startFiles.take(props.id);
    if (files.length === 0) return;
    uploads.add(files);
    setSendFilesWhenReady(true);
  }, [props.id]);
  useEffect(() => {
    if (!sendFilesWhenReady || uploads.busy || uploads.items.length === 0) return;
    setSendFilesWhenReady(false);
    if (uploads.items.every((i) => i.status === 'done')) {
      c.send('', { attachments: uploads.ready });
      uploads.clear();
    }
  }, [sendFilesWhenReady, uploads, c]);

  const position = livePosition ?? conversation?.queuePosition ?? null;
  const lastOwn = [...c.messages].reverse().find((m) => m.author.isSelf);
  const seen = conversation && lastOwn && conversation.agentsReadSeq >= lastOwn.seq && conversation.agents.length > 0;
  return (
    <div className="sc-widget-conversation">
      <div className="sc-widget-bar">
        <span className="me-auto small" role="status">
          {conversation ? STATUS_LABEL[conversation.status] : 'Loading…'}
          {c.connection !== 'online' && ` · ${c.connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}`}
        </span>
        <button type="button" className="btn btn-sm btn-link" aria-pressed={sound} onClick={() => setSound(!sound)}>
          {sound ? 'Sound on' : 'Sound off'}
        </button>
        {open && (
          <button type="button" className="btn btn-sm btn-link text-danger" onClick={() => setConfirmLeave(true)}>
            Leave
          </button>
        )}
      </div>
      {conversation?.status === 'waiting' && position !== null && (
        <div className="px-3 pt-2 small" role="status" aria-live="polite">
          {position === 1 ? 'You are next in line.' : `You are number ${position} in the queue.`}
        </div>
      )}
      {conversation && conversation.agents.length > 0 && (
        <div className="px-3 pt-1 small text-body-secondary">
          With {conversation.agents.map((a) => `${a.name} (${a.title})`).join(', ')}
        </div>
      )}
      <MessageList messages={c.messages} pending={c.pending} label="Conversation" attachmentUrl={publicAttachmentUrl} />
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
        <div className="p-3 border-top d-grid gap-2">
          <span>
            {conversation.status === 'closed'
              ? `This conversation was closed${conversation.closedBy ? ` by ${conversation.closedBy}` : ''}.`
              : 'You left this conversation.'}
          </span>
          <button type="button" className="btn sc-widget-primary" onClick={props.onNew}>
            Start a new conversation
          </button>
          <TranscriptForm conversationId={props.id} />
        </div>
      ) : (
        <Composer
          key={props.id}
          initialDraft={drafts.load(`widget:${props.id}`)}
          onDraft={(text) => drafts.save(`widget:${props.id}`, text)}
          onSend={(text, attachments) => c.send(text, { attachments })}
          onTyping={(isTyping) => c.setTyping(isTyping)}
          disabled={!conversation}
          uploads={uploads}
        />
      )}
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
