import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal confirmation (Bootstrap look, no Bootstrap JS): focus moves into it, Escape cancels, the page behind
 * is inert to screen readers via aria-modal.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!props.open) return;
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') props.onCancel();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [props.open, props]);
  if (!props.open) return null;
  return (
    <>
      <div className="modal d-block" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} tabIndex={-1}>
        <div className="modal-dialog modal-dialog-centered">
          <div className="modal-content">
            <div className="modal-header">
              <h2 id={`${id}-title`} className="modal-title h5">
                {props.title}
              </h2>
              <button type="button" className="btn-close" aria-label="Close" onClick={props.onCancel} />
            </div>
            <div className="modal-body">{props.children}</div>
            <div className="modal-footer">
              <button ref={cancelRef} type="button" className="btn btn-outline-secondary" onClick={props.onCancel}>
                Cancel
              </button>
              <button
                type="button"
                className={`btn ${props.danger ? 'btn-danger' : 'btn-primary'}`}
                disabled={props.busy}
                onClick={props.onConfirm}
              >
                {props.confirmLabel}
              </button>
            </div>
          </div>
        </div>
      </div>
      <div className="modal-backdrop show" />
    </>
  );
}
