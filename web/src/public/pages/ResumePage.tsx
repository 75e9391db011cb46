import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, ApiError } from '../../shared/api.js';
import { clearHash, tokenFromHash } from '../../shared/token-from-hash.js';
import { AuthCard } from '../../shared/ui/AuthCard.js';
import { resetVisitorSocket } from '../conversation/visitor-socket.js';
import { useSession } from '../session.js';

type State =
  | { kind: 'working' }
  | { kind: 'invalid' }
  | { kind: 'sign-in'; conversationId?: string }
  | { kind: 'failed'; message: string };

/**
 * `/resume#token=…`, the link in a reply e-mail: spends the single-use token (it never reaches server logs: it is
 * in the fragment), becomes that conversation's visitor again in this browser, and opens the conversation.
 */
export function ResumePage() {
  const [, navigate] = useLocation();
  const { refresh } = useSession();
  const [state, setState] = useState<State>({ kind: 'working' });
  const token = useRef<string | undefined>(undefined);
  const attempt = useCallback(() => {
    if (!token.current) {
      setState({ kind: 'invalid' });
      return;
    }
    setState({ kind: 'working' });
    api<{ conversationId: string }>('POST', '/api/conversations/resume', { token: token.current }).then(
      async ({ conversationId }) => {
        // This tab is another visitor now: the socket must authenticate again with the new cookie.
        resetVisitorSocket();
        await refresh();
        navigate(`/c/${conversationId}`, { replace: true });
      },
      (err: unknown) => {
        if (err instanceof ApiError && err.code === 'token_invalid') setState({ kind: 'invalid' });
        else if (err instanceof ApiError && err.code === 'sign_in_required') {
          setState({
            kind: 'sign-in',
            conversationId: (err.details as { conversationId?: string } | undefined)?.conversationId,
          });
        } else setState({ kind: 'failed', message: err instanceof Error ? err.message : 'Something went wrong.' });
      },
    );
  }, [navigate, refresh]);
  const started = useRef(false);
  useEffect(() => {
    // Once per page (React may run effects twice in development): read the token, drop it from the address bar.
    if (started.current) return;
    started.current = true;
    token.current = tokenFromHash();
    clearHash();
    attempt();
  }, [attempt]);
  return (
    <AuthCard title="Back to your conversation">
      {state.kind === 'working' && <p role="status">Opening your conversation…</p>}
      {state.kind === 'invalid' && (
        <div className="alert alert-warning" role="alert">
          This link is invalid, expired or already used. Links in our e-mails work once, for 7 days.{' '}
          <Link href="/">Start a new conversation</Link>
        </div>
      )}
      {state.kind === 'sign-in' && (
        <div className="alert alert-info" role="alert">
          This conversation belongs to an account. Please{' '}
          <Link href={`/signin?next=${encodeURIComponent(state.conversationId ? `/c/${state.conversationId}` : '/')}`}>
            sign in
          </Link>{' '}
          to continue it.
        </div>
      )}
      {state.kind === 'failed' && (
        <div className="alert alert-danger" role="alert">
          {state.message}{' '}
          <button type="button" className="btn btn-link p-0 align-baseline" onClick={attempt}>
            Try again
          </button>
        </div>
      )}
    </AuthCard>
  );
}
