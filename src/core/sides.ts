/**
 * The two sides of the product: `public` (visitors and customers) and `staff` (agents and admins). Each has its own
 * listener when STAFF_PORT is set, its own origin, its own session cookie and its own Socket.IO namespace.
 */
export type Side = 'public' | 'staff';

/** Session cookie names per side: separate, so a staff sign-in never replaces a visitor's session. */
export const SESSION_COOKIE = { public: 'sc_session', staff: 'sc_staff' } as const satisfies Record<Side, string>;
