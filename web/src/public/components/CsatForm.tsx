import { useEffect, useState } from 'react';
import type { PublicCsatState } from '../../../../src/shared/desk-tools.js';
import { api, ApiError } from '../../shared/api.js';

const WORDS = ['Very poor', 'Poor', 'Okay', 'Good', 'Excellent'];

/**
 * "How was your conversation?": 1–5 stars and an optional comment, offered once the conversation has ended. One
 * rating per conversation, which can be changed for a short while (the server says until when).
 */
export function CsatForm(props: { conversationId: string; status: string }) {
  const [state, setState] = useState<PublicCsatState>();
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const path = `/api/conversations/${encodeURIComponent(props.conversationId)}/csat`;
  useEffect(() => {
    api<PublicCsatState>('GET', path).then(
      (s) => {
        setState(s);
        setRating(s.csat?.rating ?? 0);
        setComment(s.csat?.comment ?? '');
      },
      () => undefined,
    );
  }, [path, props.status]);
  if (!state?.open) return null;
  const until = state.editableUntil
    ? new Date(state.editableUntil).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })
    : null;
  if (state.csat && !editing) {
    return (
      <div className="w-100 small" role="status">
        You rated this conversation {state.csat.rating} out of 5. Thank you!
        {until && (
          <button type="button" className="btn btn-link btn-sm" onClick={() => setEditing(true)}>
            Change it (until {until})
          </button>
        )}
      </div>
    );
  }
  const submit = async () => {
    if (rating === 0) {
      setError('Choose 1 to 5 stars.');
      return;
    }
    setBusy(true);
    try {
      const next = await api<PublicCsatState>('PUT', path, { rating, ...(comment.trim() ? { comment } : {}) });
      setState(next);
      setEditing(false);
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiError ? (Object.values(err.fields)[0] ?? err.message) : 'Something went wrong.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="w-100 sc-csat"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <fieldset>
        <legend className="fs-6 mb-1">How was your conversation?</legend>
        <div className="d-flex gap-1 sc-csat-stars">
          {WORDS.map((word, i) => (
            <label key={word} className="sc-csat-star" title={word}>
              <input
                type="radio"
                name={`csat-${props.conversationId}`}
                className="visually-hidden"
                value={i + 1}
                checked={rating === i + 1}
                onChange={() => setRating(i + 1)}
              />
              <span aria-hidden="true" className={i < rating ? 'text-warning' : 'text-body-tertiary'}>
                ★
              </span>
              <span className="visually-hidden">
                {i + 1} {i === 0 ? 'star' : 'stars'}: {word}
              </span>
            </label>
          ))}
          {rating > 0 && <span className="small align-self-center ms-1">{WORDS[rating - 1]}</span>}
        </div>
      </fieldset>
      <label htmlFor={`csat-comment-${props.conversationId}`} className="form-label small mt-2 mb-1">
        Anything to add? (optional)
      </label>
      <textarea
        id={`csat-comment-${props.conversationId}`}
        className="form-control form-control-sm mb-2"
        rows={2}
        maxLength={1000}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
      />
      {error && (
        <p className="text-danger small mb-2" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-sm btn-outline-primary" disabled={busy}>
        {state.csat ? 'Update my rating' : 'Send my rating'}
      </button>
    </form>
  );
}
