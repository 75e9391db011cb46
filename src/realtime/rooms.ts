/** Socket.IO room names: who receives which frames. */

/** A conversation's owner-side sockets (visitor or customer). */
export const publicRoom = (conversationId: string) => `conv:${conversationId}:public`;
/** Staff sockets following a conversation (joined, subscribed, or syncing it). */
export const staffRoom = (conversationId: string) => `conv:${conversationId}:staff`;
/** Every socket of a staff member or customer. */
export const userRoom = (userId: string) => `user:${userId}`;
/** Every socket of a visitor session (also a customer's, when they were that visitor). */
export const visitorRoom = (visitorId: string) => `visitor:${visitorId}`;
/** Every socket of one session (revocation). */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
/** Every staff socket (the queue). */
export const ALL_STAFF = 'staff';
