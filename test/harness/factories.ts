/**
 * Factories: each test builds the people it needs, through the same services the product uses.
 */
import { randomBytes } from 'node:crypto';
import type { UserRow } from '../../src/modules/identity/user.repository.js';
import type { HttpClient } from './http-client.js';
import type { TestApp } from './test-app.js';

export const PASSWORD = 'correct horse battery staple';

const unique = () => randomBytes(4).toString('hex');

/**
 * A surname no other test person has: 8 letters the display-name rule never confuses (it reads digits as letters
 * or decoration and i as l), never a reserved word.
 */
export function uniqueSurname(): string {
  const letters = Array.from(randomBytes(8), (b) => 'abcdefghjkmnopqs'[b % 16]!).join('');
  return letters[0]!.toUpperCase() + letters.slice(1);
}

export interface StaffAccount {
  user: UserRow;
  username: string;
  password: string;
}

/** An agent or admin created directly through the user service. */
export async function createStaff(
  t: TestApp,
  role: 'agent' | 'admin' = 'agent',
  overrides: Partial<{ username: string; email: string; firstName: string; lastName: string; jobTitle: string }> = {},
): Promise<StaffAccount> {
  const username = overrides.username ?? `${role}-${unique()}`;
  const user = await t.ctx.services.users.createStaff(
    { id: null, name: 'test factory', ip: null },
    {
      role,
      username,
      email: overrides.email ?? `${username}@staff.example`,
      // Staff names follow the display-name rule: unique, no reserved words ("Admin", "Agent").
      firstName: overrides.firstName ?? 'Sam',
      lastName: overrides.lastName ?? uniqueSurname(),
      jobTitle: overrides.jobTitle ?? 'Course Assistant',
      departments: ['Computing'],
      password: PASSWORD,
    },
  );
  return { user, username, password: PASSWORD };
}

/** A staff client signed in (cookie) on the staff side. */
export async function staffClient(t: TestApp, account: StaffAccount): Promise<HttpClient> {
  const client = t.staffClient();
  const r = await client.post('/api/staff/login', { login: account.username, password: account.password });
  if (r.status !== 200) throw new Error(`staff login failed: ${r.status} ${r.text}`);
  return client;
}

/** A customer registered through the public API, with its signed-in client. */
export async function registerCustomer(
  t: TestApp,
  client: HttpClient = t.client(),
  overrides: Partial<{ username: string; email: string; displayName: string }> = {},
): Promise<{ client: HttpClient; username: string; email: string; id: string }> {
  const username = overrides.username ?? `cust-${unique()}`;
  const email = overrides.email ?? `${username}@customer.example`;
  const r = await client.post('/api/customers/register', {
    email,
    username,
    displayName: overrides.displayName ?? 'Casey Customer',
    password: PASSWORD,
    passwordConfirmation: PASSWORD,
  });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${r.text}`);
  return { client, username, email, id: r.body.me.id };
}

/** A visitor session (cookie) for a fresh browser-like client. */
export async function visitorClient(t: TestApp): Promise<{ client: HttpClient; visitorId: string }> {
  const client = t.client();
  const r = await client.post('/api/visitor/session', {});
  if (r.status !== 201) throw new Error(`visitor session failed: ${r.status} ${r.text}`);
  return { client, visitorId: r.body.me.id };
}

/** A visitor with an open conversation (started over HTTP, as the landing page does). */
export async function visitorWithConversation(
  t: TestApp,
  text = 'Hello, I need help with my account please.',
  displayName = 'Vera Visitor',
): Promise<{ client: HttpClient; visitorId: string; conversationId: string }> {
  const { client, visitorId } = await visitorClient(t);
  const r = await client.post('/api/conversations', { displayName, text, clientMsgId: `first-${unique()}` });
  if (r.status !== 201) throw new Error(`start failed: ${r.status} ${r.text}`);
  return { client, visitorId, conversationId: r.body.conversation.id };
}
