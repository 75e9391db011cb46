import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { AttachmentView } from '../../../../src/shared/attachments.js';
import { AttachmentPicker, PendingAttachments } from '../../shared/chat/AttachmentPicker.js';
import type { AttachmentUploads } from '../../shared/chat/use-attachment-uploads.js';
import {
  renderCannedReply,
  shortcutIn,
  type CannedReplyView,
  type CannedVariables,
} from '../../../../src/shared/canned.js';

/**
 * The agent's message box: reply or private note (visibly different), canned replies from a menu or by typing
 * "/shortcut" then Space or Tab, Ctrl/Cmd+Enter to send. The draft is kept per conversation by the caller.
 */
export function DeskComposer(props: {
  canned: CannedReplyView[];
  variables: CannedVariables;
  /** The saved draft, read once when the composer mounts (remount it, e.g. with a key, for another conversation). */
  initialDraft: string;
  onDraft: (text: string) => void;
  onSend: (text: string, note: boolean, attachments: AttachmentView[]) => void;
  onTyping: (isTyping: boolean, note: boolean) => void;
  disabled?: boolean;
  /** Files attached to the next message (uploaded as soon as they are chosen). */
  uploads?: AttachmentUploads;
}) {
  const [text, setText] = useState(props.initialDraft);
  const [note, setNote] = useState(false);
  const [menu, setMenu] = useState(false);
  const id = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const typingSince = useRef(0);
  const idleTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => () => clearTimeout(idleTimer.current), []);

  const update = (value: string) => {
    setText(value);
    props.onDraft(value);
    const now = Date.now();
    if (now - typingSince.current > 1_500) {
      typingSince.current = now;
      props.onTyping(true, note);
    }
    clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(() => {
      typingSince.current = 0;
      props.onTyping(false, note);
    }, 3_000);
  };

  const insert = (reply: CannedReplyView) => {
    const rendered = renderCannedReply(reply.body, props.variables);
    update(shortcutIn(text) ? rendered : text ? `${text.trimEnd()} ${rendered}` : rendered);
    setMenu(false);
    box.current?.focus();
  };

  const files = props.uploads?.ready ?? [];
  const canSend = !props.disabled && !props.uploads?.busy && (text.trim() !== '' || files.length > 0);
  const send = () => {
    const trimmed = text.trim();
    if (!canSend) return;
    props.onSend(trimmed, note, files);
    props.uploads?.clear();
    setText('');
    props.onDraft('');
    clearTimeout(idleTimer.current);
    typingSince.current = 0;
    props.onTyping(false, note);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      send();
      return;
    }
    if (e.key === ' ' || e.key === 'Tab') {
      const shortcut = shortcutIn(text);
      const reply = shortcut ? props.canned.find((c) => c.shortcut === shortcut) : undefined;
      if (reply) {
        e.preventDefault();
        insert(reply);
      }
    }
  };

  return (
    <form
      className={`sc-desk-composer ${note ? 'sc-composing-note' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <div className="d-flex align-items-center gap-2 mb-2 flex-wrap">
        <div className="btn-group btn-group-sm" role="group" aria-label="Message type">
          <button
            type="button"
            className={`btn ${!note ? 'btn-primary' : 'btn-outline-primary'}`}
            aria-pressed={!note}
            onClick={() => setNote(false)}
          >
            Reply
          </button>
          <button
            type="button"
            className={`btn ${note ? 'btn-warning' : 'btn-outline-warning'}`}
            aria-pressed={note}
            onClick={() => setNote(true)}
          >
            Private note
          </button>
        </div>
        <div className="position-relative">
          <button
            type="button"
            className="btn btn-sm btn-outline-secondary"
            aria-expanded={menu}
            aria-haspopup="menu"
            onClick={() => setMenu((m) => !m)}
          >
            Canned replies
          </button>
          {menu && (
            <ul className="dropdown-menu show sc-canned-menu" role="menu">
              {props.canned.map((c) => (
                <li key={c.id} role="none">
                  <button type="button" role="menuitem" className="dropdown-item" onClick={() => insert(c)}>
                    <span className="fw-semibold">{c.title}</span>{' '}
                    <span className="text-body-secondary small">/{c.shortcut}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        {props.uploads && (
          <AttachmentPicker
            onFiles={props.uploads.add}
            disabled={props.disabled}
            extensions={props.uploads.limits?.allowedExtensions}
          />
        )}
        {note && <span className="small text-warning-emphasis">Only staff see private notes.</span>}
      </div>
      {props.uploads && <PendingAttachments uploads={props.uploads} />}
      <div className="d-flex gap-2 align-items-end">
        <label htmlFor={id} className="visually-hidden">
          {note ? 'Private note' : 'Reply'}
        </label>
        <textarea
          ref={box}
          id={id}
          className="form-control"
          rows={3}
          value={text}
          disabled={props.disabled}
          placeholder={
            note
              ? 'Private note for staff (Ctrl+Enter)'
              : 'Reply… type /shortcut for a canned reply (Ctrl+Enter to send)'
          }
          onChange={(e) => update(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <button
          type="submit"
          className={`btn ${note ? 'btn-warning' : 'btn-primary'}`}
          disabled={props.disabled || text.trim() === ''}
        >
          {note ? 'Add note' : 'Send'}
        </button>
      </div>
    </form>
  );
}
