import { lazy, Suspense, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { AttachmentView } from '../../../../src/shared/attachments.js';
import { applyEmoticons } from '../../../../src/shared/emoticons.js';
import { AttachmentDropZone, AttachmentPicker, PendingAttachments } from './AttachmentPicker.js';
import { SmileIcon } from './icons.js';
import type { AttachmentUploads } from './use-attachment-uploads.js';

// The picker and its emoji list are a separate chunk, fetched the first time someone opens it.
const EmojiPicker = lazy(() => import('./EmojiPicker.js'));

/**
 * The message box: Ctrl/Cmd+Enter or the button sends, Enter makes a new line. The draft is handed to `onDraft`
 * on every change so it survives reloads and switching conversations. With `uploads`, files can be attached (the
 * paperclip, or dropped on the composer): they upload at once with progress, a refused file shows the reason next
 * to it, and a message may then be text, files, or both.
 */
export function Composer(props: {
  /** The saved draft, read once when the composer mounts (remount it, e.g. with a key, for another conversation). */
  initialDraft: string;
  onDraft: (text: string) => void;
  onSend: (text: string, attachments: AttachmentView[]) => void;
  disabled?: boolean;
  placeholder?: string;
  label?: string;
  sendLabel?: string;
  maxLength?: number;
  uploads?: AttachmentUploads;
  /** Told when the person starts typing (at most every 1.5 s) and when they stop (3 s idle, or sent). */
  onTyping?: (isTyping: boolean) => void;
}) {
  const [text, setText] = useState(props.initialDraft);
  const [emoji, setEmoji] = useState(false);
  const id = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const typingSince = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(idle.current), []);
  const typed = () => {
    if (!props.onTyping) return;
    const now = Date.now();
    if (now - typingSince.current > 1_500) {
      typingSince.current = now;
      props.onTyping(true);
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(() => {
      typingSince.current = 0;
      props.onTyping?.(false);
    }, 3_000);
  };
  const insertEmoji = (value: string) => {
    const el = box.current;
    const at = el?.selectionStart ?? text.length;
    const next = text.slice(0, at) + value + text.slice(el?.selectionEnd ?? at);
    setText(next);
    props.onDraft(next);
    setEmoji(false);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + value.length, at + value.length);
    });
  };
  const uploads = props.uploads;
  const files = uploads?.ready ?? [];
  const canSend = !props.disabled && !uploads?.busy && (text.trim() !== '' || files.length > 0);
  const submit = () => {
    if (!canSend) return;
    // ":)" and friends become emoji only as standalone tokens, never inside links, code or paths.
    props.onSend(applyEmoticons(text.trim()), files);
    clearTimeout(idle.current);
    if (typingSince.current) props.onTyping?.(false);
    typingSince.current = 0;
    setText('');
    props.onDraft('');
    uploads?.clear();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  };
  const form = (
    <form
      className="sc-composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {uploads && <PendingAttachments uploads={uploads} />}
      <div className="sc-composer-row">
        {uploads && (
          <AttachmentPicker
            onFiles={uploads.add}
            disabled={props.disabled}
            extensions={uploads.limits?.allowedExtensions}
          />
        )}
        <label htmlFor={id} className="visually-hidden">
          {props.label ?? 'Message'}
        </label>
        <textarea
          ref={box}
          id={id}
          className="form-control"
          rows={2}
          value={text}
          maxLength={props.maxLength ?? 4000}
          placeholder={props.placeholder ?? 'Write a message… (Ctrl+Enter to send)'}
          disabled={props.disabled}
          onChange={(e) => {
            setText(e.target.value);
            props.onDraft(e.target.value);
            typed();
          }}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            // Pasted screenshots become attachments; pasted text (which may come with an image of itself) stays text.
            const pasted = Array.from(e.clipboardData?.files ?? []);
            if (uploads && pasted.length > 0 && e.clipboardData.getData('text/plain') === '') {
              e.preventDefault();
              uploads.add(pasted);
            }
          }}
        />
        <div className="position-relative">
          <button
            type="button"
            className="btn btn-outline-secondary sc-emoji-button"
            aria-label="Insert emoji"
            aria-expanded={emoji}
            disabled={props.disabled}
            onClick={() => setEmoji((v) => !v)}
          >
            <SmileIcon />
          </button>
          {emoji && (
            <Suspense fallback={<div className="sc-emoji-picker card p-2 small">Loading…</div>}>
              <EmojiPicker onPick={insertEmoji} onClose={() => setEmoji(false)} />
            </Suspense>
          )}
        </div>
        <button type="submit" className="btn btn-primary" disabled={!canSend}>
          {uploads?.busy ? 'Uploading…' : (props.sendLabel ?? 'Send')}
        </button>
      </div>
    </form>
  );
  return uploads ? (
    <AttachmentDropZone onFiles={uploads.add} disabled={props.disabled}>
      {form}
    </AttachmentDropZone>
  ) : (
    form
  );
}
