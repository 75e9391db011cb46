/**
 * Conversations that ended at a chosen instant (retention tests): started, then closed by an admin or left by
 * the visitor, with the app's ManualClock set to that instant.
 */
import type { ManualClock } from '../../src/core/clock.js';
import type { StaffPrincipal } from '../../src/modules/identity/principal.js';
import { createStaff, visitorWithConversation } from './factories.js';
import type { TestApp } from './test-app.js';

export type Ending = 'closed' | 'left' | 'open';

export async function adminPrincipal(t: TestApp): Promise<StaffPrincipal> {
  const admin = await createStaff(t, 'admin', { firstName: 'Rita', lastName: 'Retention' });
  return {
    kind: 'staff',
    sessionId: 'test',
    userId: admin.user.id,
    role: 'admin',
    twoFactor: false,
    username: admin.username,
    displayName: admin.user.displayName,
    jobTitle: admin.user.jobTitle,
  };
}

/** A conversation started and (unless 'open') ended at `at`; the clock is left at `at`. */
export async function conversationEndedAt(
  t: TestApp,
  clock: ManualClock,
  at: number,
  ending: Ending,
  admin: StaffPrincipal,
): Promise<string> {
  clock.set(at);
  const { visitorId, conversationId } = await visitorWithConversation(t);
  const conversations = t.ctx.services.conversations;
  if (ending === 'closed') {
    await conversations.join(admin, conversationId);
    await conversations.send(admin, conversationId, { clientMsgId: `reply-${conversationId}`, text: 'Sorted!' });
    await conversations.close(admin, conversationId);
  } else if (ending === 'left') {
    await conversations.leave({ kind: 'visitor', sessionId: 'test', visitorId }, conversationId);
  }
  return conversationId;
}
