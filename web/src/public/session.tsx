import { createSessionContext } from '../shared/session-context.js';

/** Who this browser is on the public side: nobody, an anonymous visitor, or a signed-in customer. */
const session = createSessionContext('/api/session');
export const SessionProvider = session.Provider;
export const useSession = session.useSession;
