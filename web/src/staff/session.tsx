import { createSessionContext } from '../shared/session-context.js';

/** The signed-in staff member (agent or admin), from the staff cookie. */
const session = createSessionContext('/api/staff/session');
export const StaffSessionProvider = session.Provider;
export const useStaffSession = session.useSession;
