import { useId, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { formatBytes } from '../../../../src/shared/attachments.js';
import { FileIcon, PaperclipIcon } from './icons.js';
import type { AttachmentUploads, PendingUpload } from './use-attachment-uploads.js';

/** The paperclip: opens the system file picker (several files at once). */
export function AttachmentPicker(props: {
  onFiles: (files: File[]) => void;
  disabled?: boolean;
  label?: string;
  /** Extensions to offer in the picker (the server decides anyway). */
  extensions?: string[];
}) {
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const label = props.label ?? 'Attach files';
  return (
    <>
      <input
        ref={input}
        id={id}
        type="file"
        multiple
        className="d-none"
        aria-label={label}
        accept={props.extensions?.map((e) => `.${e}`).join(',')}
        disabled={props.disabled}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length > 0) props.onFiles(files);
        }}
      />
      <button
        type="button"
        className="btn btn-outline-secondary sc-attach-button"
        title={label}
        aria-label={label}
        disabled={props.disabled}
        onClick={() => input.current?.click()}
      >
        <PaperclipIcon />
      </button>
    </>
  );
}

/** Files dropped anywhere on `children` are handed to `onFiles`; the area is highlighted while dragging. */
export function AttachmentDropZone(props: {
  onFiles: (files: File[]) => void;
  disabled?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const [over, setOver] = useState(false);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  return (
    <div
      className={`sc-dropzone${over ? ' sc-dropzone-over' : ''} ${props.className ?? ''}`}
      onDragEnter={(e) => {
        if (props.disabled || !hasFiles(e)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragOver={(e) => {
        if (props.disabled || !hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(e) => {
        if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
        setOver(false);
      }}
      onDrop={(e) => {
        if (props.disabled || !hasFiles(e)) return;
        e.preventDefault();
        setOver(false);
        const files = Array.from(e.dataTransfer.files);
        if (files.length > 0) props.onFiles(files);
      }}
    >
      {props.children}
      {over && (
        <div className="sc-dropzone-hint" aria-hidden="true">
          Drop files to attach them
        </div>
      )}
    </div>
  );
}

function PendingItem(props: { item: PendingUpload; onRemove: () => void }) {
  const { item } = props;
  const errorId = useId();
  const [previewFailed, setPreviewFailed] = useState(false);
  // A refused "image" may not be one (a program named .png): no thumbnail then.
  const preview = item.status !== 'error' && !previewFailed ? item.previewUrl : undefined;
  return (
    <li
      className={`sc-pending-file${item.status === 'error' ? ' sc-pending-file-error' : ''}`}
      data-status={item.status}
      aria-describedby={item.error ? errorId : undefined}
    >
      {preview ? (
        <img className="sc-pending-thumb" src={preview} alt="" onError={() => setPreviewFailed(true)} />
      ) : (
        <span className="sc-pending-icon">
          <FileIcon />
        </span>
      )}
      <div className="sc-pending-body">
        <div className="sc-pending-name" title={item.name}>
          {item.name} <span className="text-body-secondary small">({formatBytes(item.size)})</span>
        </div>
        {item.status === 'uploading' && (
          <progress
            className="sc-upload-progress"
            max={100}
            value={Math.round(item.progress * 100)}
            aria-label={`Uploading ${item.name}`}
          />
        )}
        {item.status === 'error' && item.error && (
          <div id={errorId} className="sc-pending-error small" role="alert" data-code={item.error.code}>
            {item.error.message}
          </div>
        )}
        {item.status === 'done' && <div className="small text-success">Ready to send</div>}
        {item.status === 'queued' && <div className="small text-body-secondary">Sent after your question</div>}
      </div>
      <button type="button" className="btn-close" aria-label={`Remove ${item.name}`} onClick={props.onRemove} />
    </li>
  );
}

/** The files waiting in a composer: thumbnail, name and size, progress, the server's reason next to a refused one. */
export function PendingAttachments(props: { uploads: AttachmentUploads }) {
  if (props.uploads.items.length === 0) return null;
  return (
    <ul className="sc-pending-files" aria-label="Attached files">
      {props.uploads.items.map((item) => (
        <PendingItem key={item.key} item={item} onRemove={() => props.uploads.remove(item.key)} />
      ))}
    </ul>
  );
}
