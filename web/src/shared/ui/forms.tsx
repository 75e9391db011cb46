import { useId, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError } from '../api.js';

/** A labelled input with its server-side error shown inline (and announced to screen readers). */
export function Field(
  props: { label: string; name: string; error?: string; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>,
) {
  const { label, error, hint, name, ...input } = props;
  const id = useId();
  const describedBy = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="mb-3">
      <label htmlFor={id} className="form-label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        className={`form-control${error ? ' is-invalid' : ''}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {hint && !error && (
        <div id={`${id}-hint`} className="form-text">
          {hint}
        </div>
      )}
      {error && (
        <div id={`${id}-error`} className="invalid-feedback d-block" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** A form-level error (not tied to a field). */
export function FormError(props: { error?: string }) {
  if (!props.error) return null;
  return (
    <div className="alert alert-danger py-2" role="alert">
      {props.error}
    </div>
  );
}

export interface FormState {
  busy: boolean;
  error?: string;
  fields: Record<string, string>;
}

/**
 * Submits a form through `action`, keeping busy state and the server's errors: field problems go next to their
 * fields, anything else above the form. Returns the submit handler and the state.
 */
export function useSubmit<T>(action: (data: FormData) => Promise<T>, onDone?: (result: T) => void) {
  const [state, setState] = useState<FormState>({ busy: false, fields: {} });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setState({ busy: true, fields: {} });
    action(data).then(
      (result) => {
        setState({ busy: false, fields: {} });
        onDone?.(result);
      },
      (err: unknown) => {
        if (err instanceof ApiError) {
          const fields = err.fields;
          const hasFields = Object.keys(fields).length > 0;
          setState({
            busy: false,
            fields,
            error: hasFields && err.code === 'validation_failed' ? undefined : err.message,
          });
        } else {
          setState({ busy: false, fields: {}, error: 'Something went wrong. Please try again.' });
        }
      },
    );
  };
  return { onSubmit, state, setState };
}

export function SubmitButton(props: { busy: boolean; children: ReactNode; className?: string }) {
  return (
    <button type="submit" className={props.className ?? 'btn btn-primary w-100'} disabled={props.busy}>
      {props.busy && <span className="spinner-border spinner-border-sm me-2" aria-hidden="true" />}
      {props.children}
    </button>
  );
}

export const text = (data: FormData, name: string): string => String(data.get(name) ?? '');
