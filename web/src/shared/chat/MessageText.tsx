import { LINK_REL, linkify } from '../../../../src/shared/linkify.js';

/** Message text as React text nodes and safe links (http, https, mailto only); never HTML. */
export function MessageText(props: { text: string }) {
  return (
    <>
      {linkify(props.text).map((segment, i) =>
        segment.kind === 'link' ? (
          <a key={i} href={segment.href} rel={LINK_REL} target="_blank">
            {segment.text}
          </a>
        ) : (
          <span key={i}>{segment.text}</span>
        ),
      )}
    </>
  );
}
