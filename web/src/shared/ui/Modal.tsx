import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal dialog (Bootstrap look, no Bootstrap JS) for content rather than a yes/no question: focus moves to its
 * close button, Escape closes it, aria-modal keeps screen readers inside.
 */
export function Modal(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  footer?: ReactNode;
  size?: 'lg';
  onClose: () => void;
}) {
  const id = useId();
  const closeRef = useRef<HTMLButtonElement>(null);
  const { open, onClose } = props;
  useEffect(() => {
    if (!open) return;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open, onClose]);
  if (!open) return null;
  return (
    <>
      <div className="modal d-block" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} tabIndex={-1}>
        <div
          className={`modal-dialog modal-dialog-centered modal-dialog-scrollable ${props.size === 'lg' ? 'modal-lg' : ''}`}
        >
          <div className="modal-content">
            <div className="modal-header">
              <h2 id={`${id}-title`} className="modal-title h5">
                {props.title}
              </h2>
              <button ref={closeRef} type="button" className="btn-close" aria-label="Close" onClick={onClose} />
            </div>
            <div className="modal-body">{props.children}</div>
            {props.footer && <div className="modal-footer">{props.footer}</div>}
          </div>
        </div>
      </div>
      <div className="modal-backdrop show" />
    </>
  );
}
