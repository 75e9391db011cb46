import { formatBytes, isPreviewable, type AttachmentView } from '../../../../src/shared/attachments.js';
import { FileIcon, ImageIcon } from './icons.js';

/** Where a file of a message is downloaded (`inline`: the image preview). Visitors and staff use different paths. */
export type AttachmentUrl = (conversationId: string, attachment: AttachmentView, inline: boolean) => string;

export const publicAttachmentUrl: AttachmentUrl = (conversationId, a, inline) =>
  `/api/conversations/${encodeURIComponent(conversationId)}/attachments/${encodeURIComponent(a.id)}${inline ? '?inline=1' : ''}`;

export const staffAttachmentUrl: AttachmentUrl = (conversationId, a, inline) =>
  `/api/staff/conversations/${encodeURIComponent(conversationId)}/attachments/${encodeURIComponent(a.id)}${inline ? '?inline=1' : ''}`;

/**
 * The files of a message: previews for safe images (from the inline endpoint), a download link for everything.
 * The browser saves files under the server's sanitised name; nothing here renders a file's content.
 */
export function AttachmentList(props: {
  conversationId: string;
  attachments: AttachmentView[];
  urlFor?: AttachmentUrl;
}) {
  const urlFor = props.urlFor ?? publicAttachmentUrl;
  if (props.attachments.length === 0) return null;
  return (
    <ul className="sc-attachments" aria-label="Files">
      {props.attachments.map((a) => (
        <li key={a.id} className="sc-attachment">
          {isPreviewable(a) && (
            <a href={urlFor(props.conversationId, a, false)} download={a.name} className="sc-attachment-preview">
              <img src={urlFor(props.conversationId, a, true)} alt={`Preview of ${a.name}`} loading="lazy" />
            </a>
          )}
          <a href={urlFor(props.conversationId, a, false)} download={a.name} className="sc-attachment-link">
            {a.isImage ? <ImageIcon /> : <FileIcon />} {a.name}
          </a>{' '}
          <span className="sc-attachment-size">{formatBytes(a.size)}</span>
        </li>
      ))}
    </ul>
  );
}
