import { useState } from 'react';
import { api, ApiError } from '../../shared/api.js';
import { drafts } from '../../shared/chat/storage.js';

/**
 * "E-mail me the transcript", offered once a conversation has ended: to the address given on the start form
 * (remembered in this browser) or any other. The transcript holds what the visitor saw, never staff notes.
 */
export function TranscriptForm(props: { conversationId: string }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState(() => drafts.load('start-email'));
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string>();
  const [error, setError] = useState<string>();
  if (sentTo) {
    return (
      <p className="small text-success mb-0" role="status">
        The transcript is on its way to {sentTo}.
      </p>
    );
  }
  if (!open) {
    return (
      <button type="button" className="btn btn-outline-secondary" onClick={() => setOpen(true)}>
        E-mail me the transcript
      </button>
    );
  }
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<{ sentTo: string }>('POST', `/api/conversations/${props.conversationId}/transcript`, {
        ...(email.trim() ? { email: email.trim() } : {}),
      });
      setSentTo(r.sentTo);
    } catch (err) {
      setError(err instanceof ApiError ? (err.fields.email ?? err.message) : 'Something went wrong. Please try again.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="d-flex flex-wrap align-items-start gap-2 w-100"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="flex-grow-1">
        <label htmlFor="transcript-email" className="visually-hidden">
          E-mail address for the transcript
        </label>
        <input
          id="transcript-email"
          type="email"
          autoComplete="email"
          className={`form-control${error ? ' is-invalid' : ''}`}
          placeholder="you@example.com"
          value={email}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'transcript-error' : undefined}
          onChange={(e) => setEmail(e.target.value)}
        />
        {error && (
          <div id="transcript-error" className="invalid-feedback d-block" role="alert">
            {error}
          </div>
        )}
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy && <span className="spinner-border spinner-border-sm me-2" aria-hidden="true" />}
        Send transcript
      </button>
    </form>
  );
}
