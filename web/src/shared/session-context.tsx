import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { MeResponse } from '../../../src/shared/identity.schemas.js';
import { api } from './api.js';

export interface SessionState {
  me: MeResponse | null;
  loading: boolean;
  passwordResetByEmail: boolean;
  /** Staff side: an admin the policy requires to set up two-factor sign-in before anything else. */
  twoFactorEnrolmentRequired: boolean;
  refresh(): Promise<void>;
}

/**
 * A React context for "who is signed in on this side", read from `endpoint` (`/api/session` for visitors and
 * customers, `/api/staff/session` for staff) and refreshed after sign-in and sign-out.
 */
export function createSessionContext(endpoint: string) {
  const Ctx = createContext<SessionState>({
    me: null,
    loading: true,
    passwordResetByEmail: false,
    twoFactorEnrolmentRequired: false,
    refresh: () => Promise.resolve(),
  });
  function Provider(props: { children: ReactNode }) {
    const [state, setState] = useState<Omit<SessionState, 'refresh'>>({
      me: null,
      loading: true,
      passwordResetByEmail: false,
      twoFactorEnrolmentRequired: false,
    });
    const refresh = useCallback(async () => {
      try {
        const r = await api<{
          me: MeResponse | null;
          passwordResetByEmail: boolean;
          twoFactorEnrolmentRequired?: boolean;
        }>('GET', endpoint);
        setState({
          me: r.me,
          loading: false,
          passwordResetByEmail: r.passwordResetByEmail,
          twoFactorEnrolmentRequired: r.twoFactorEnrolmentRequired === true,
        });
      } catch {
        setState((s) => ({ ...s, loading: false }));
      }
    }, []);
    useEffect(() => {
      void refresh();
    }, [refresh]);
    return <Ctx.Provider value={{ ...state, refresh }}>{props.children}</Ctx.Provider>;
  }
  return { Provider, useSession: () => useContext(Ctx) };
}
