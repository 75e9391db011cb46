import { useEffect, useState, type MouseEvent } from 'react';
import { formatBytes, isPreviewable, type AttachmentView } from '../../../../src/shared/attachments.js';
import { authHeaders, isBearerAuth } from '../api.js';
import { FileIcon, ImageIcon } from './icons.js';

/** A file fetched with this page's bearer token (links and images cannot send it), as an object URL. */
async function fetchObjectUrl(url: string): Promise<string> {
  const r = await fetch(url, { headers: authHeaders(), credentials: 'omit' });
  if (!r.ok) throw new Error(`download failed: ${r.status}`);
  return URL.createObjectURL(await r.blob());
}

/** An image preview for bearer-authenticated pages: fetched, then shown from a blob: URL (our CSP allows blob:). */
function BearerImage(props: { src: string; alt: string }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let url: string | undefined;
    let live = true;
    fetchObjectUrl(props.src).then(
      (u) => {
        url = u;
        if (live) setSrc(u);
        else URL.revokeObjectURL(u);
      },
      () => undefined,
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [props.src]);
  return src ? <img src={src} alt={props.alt} /> : <span className="sc-attachment-loading">{props.alt}</span>;
}

/** A download link that works without cookies: fetched with the bearer token, then saved under its name. */
function bearerDownload(url: string, name: string) {
  return (e: MouseEvent<HTMLAnchorElement>) => {
    if (!isBearerAuth()) return;
    e.preventDefault();
    void fetchObjectUrl(url).then(
      (objectUrl) => {
        const a = document.createElement('a');
        a.href = objectUrl;
        a.download = name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
      },
      () => undefined,
    );
  };
}

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
            <a
              href={urlFor(props.conversationId, a, false)}
              download={a.name}
              className="sc-attachment-preview"
              onClick={bearerDownload(urlFor(props.conversationId, a, false), a.name)}
            >
              {isBearerAuth() ? (
                <BearerImage src={urlFor(props.conversationId, a, true)} alt={`Preview of ${a.name}`} />
              ) : (
                <img src={urlFor(props.conversationId, a, true)} alt={`Preview of ${a.name}`} loading="lazy" />
              )}
            </a>
          )}
          <a
            href={urlFor(props.conversationId, a, false)}
            download={a.name}
            className="sc-attachment-link"
            onClick={bearerDownload(urlFor(props.conversationId, a, false), a.name)}
          >
            {a.isImage ? <ImageIcon /> : <FileIcon />} {a.name}
          </a>{' '}
          <span className="sc-attachment-size">{formatBytes(a.size)}</span>
        </li>
      ))}
    </ul>
  );
}
