import { useEffect, useRef } from 'react';
import type { AttachmentView } from '../../../../src/shared/attachments.js';
import type { MessageView } from '../../../../src/shared/conversations.js';
import { AttachmentList, type AttachmentUrl } from './AttachmentList.js';
import { FileIcon } from './icons.js';
import { MessageText } from './MessageText.js';

export interface PendingMessage {
  clientMsgId: string;
  text: string;
  attachments?: AttachmentView[];
}

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The conversation transcript: the viewer's own messages on the right, others on the left, system lines centred,
 * private notes marked, files under their message (previews for safe images, download links). A polite live
 * region announces new messages to screen readers. `attachmentUrl` says where files are fetched from (the
 * visitor's endpoints by default; the desk passes `staffAttachmentUrl`).
 */
export function MessageList(props: {
  messages: MessageView[];
  pending?: PendingMessage[];
  /** What a pending message says about itself ("sending…" by default; the page knows when it cannot be sent yet). */
  pendingLabel?: string;
  label: string;
  attachmentUrl?: AttachmentUrl;
}) {
  const end = useRef<HTMLDivElement>(null);
  const sent = new Set(props.messages.map((m) => m.clientMsgId).filter(Boolean));
  const pending = (props.pending ?? []).filter((p) => !sent.has(p.clientMsgId));
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [props.messages.length, pending.length]);
  return (
    <div className="sc-transcript" role="log" aria-live="polite" aria-label={props.label}>
      {props.messages.map((m) =>
        m.kind === 'system' ? (
          <div key={m.id} className="sc-system-line" data-seq={m.seq}>
            {m.text}
          </div>
        ) : (
          <div
            key={m.id}
            className={`sc-msg ${m.author.isSelf ? 'sc-msg-self' : 'sc-msg-other'} ${m.kind === 'note' ? 'sc-msg-note' : ''} ${m.author.type === 'bot' ? 'sc-msg-bot' : ''}`}
            data-seq={m.seq}
          >
            <div className="sc-msg-meta">
              <span className="sc-msg-author">
                {m.kind === 'note' && <span className="badge text-bg-warning me-1">Private note</span>}
                {m.author.isSelf ? 'You' : m.author.name}
                {m.author.type === 'bot' ? (
                  // An automated reply: said in words and shown as a badge, never mistaken for a person.
                  <span className="badge text-bg-info ms-1 sc-bot-badge">Bot</span>
                ) : (
                  m.author.title && !m.author.isSelf && ` (${m.author.title})`
                )}
              </span>{' '}
              <time dateTime={m.createdAt}>{time(m.createdAt)}</time>
            </div>
            {m.text === null ? (
              <div className="sc-bubble" dir="auto">
                <em className="text-body-secondary">{m.error?.message ?? 'This message cannot be read.'}</em>
              </div>
            ) : (
              m.text !== '' && (
                <div className="sc-bubble" dir="auto">
                  <MessageText text={m.text} />
                </div>
              )
            )}
            <AttachmentList
              conversationId={m.conversationId}
              attachments={m.attachments ?? []}
              urlFor={props.attachmentUrl}
            />
          </div>
        ),
      )}
      {pending.map((p) => (
        <div key={p.clientMsgId} className="sc-msg sc-msg-self sc-msg-pending" data-pending="true">
          <div className="sc-msg-meta">
            <span className="sc-msg-author">You</span>{' '}
            <span className="text-body-secondary">{props.pendingLabel ?? 'sending…'}</span>
          </div>
          {p.text !== '' && (
            <div className="sc-bubble" dir="auto">
              <MessageText text={p.text} />
            </div>
          )}
          {(p.attachments ?? []).length > 0 && (
            <ul className="sc-attachments" aria-label="Files">
              {p.attachments!.map((a) => (
                <li key={a.id} className="sc-attachment">
                  <FileIcon /> {a.name}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
      <div ref={end} />
    </div>
  );
}
