import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  PASSWORD,
  registerCustomer,
  staffClient,
  visitorClient,
} from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { runCli } from '../../../test/harness/run-cli.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const RESERVED = 'Please choose another name: this one is reserved for the support team.';
const refusal = (...paths: string[]) => ({
  status: 400,
  code: 'validation_failed',
  fields: paths.map((path) => ({ path, message: RESERVED, code: 'name_reserved' })),
});
const outcome = (r: { status: number; body: any }) => ({
  status: r.status,
  code: r.body?.error?.code,
  // The wire schema (path "body.displayName") or the service ("displayName"): the form shows both by the last segment.
  fields: r.body?.error?.details?.fields
    ?.filter((f: { code?: string }) => f.code === 'name_reserved')
    .map((f: { path: string }) => ({ ...f, path: f.path.replace(/^body\./, '') })),
});

describeEachDialect('the display-name rule on every path that sets a name', (dialect) => {
  let t: TestApp;
  let admin: HttpClient;
  let adminId: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const account = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' });
    adminId = account.user.id;
    admin = await staffClient(t, account);
    await createStaff(t, 'agent', { firstName: 'Grace', lastName: 'Hopper' });
  });
  afterAll(() => t?.stop());

  const register = (client: HttpClient, username: string, displayName: string) =>
    client.post('/api/customers/register', {
      email: `${username}@customer.example`,
      username,
      displayName,
      password: PASSWORD,
      passwordConfirmation: PASSWORD,
    });

  it('is the start form’s rule, code and message (the reference)', async () => {
    const { client } = await visitorClient(t);
    const r = await client.post('/api/conversations', {
      displayName: 'Grace Hopper',
      text: 'Hello, I need some help.',
    });
    expect(outcome(r)).toEqual(refusal('displayName'));
  });

  it.each(['System', 'Support Team', 'Sуstem', '@dm1n', 'Grace Hopper', 'grace.hopper', 'Dr Grace Hopper'])(
    'refuses customer registration as %s, and writes nothing',
    async (name) => {
      const client = t.client();
      const username = `cust-${Math.random().toString(36).slice(2, 10)}`;
      expect(outcome(await register(client, username, name))).toEqual(refusal('displayName'));
      expect(client.cookies.size).toBe(0);
      // The username is still free: nothing was half-written.
      expect((await register(client, username, 'Casey Customer')).status).toBe(201);
    },
  );

  it('refuses a profile change to a reserved or an agent’s name, keeping the old name', async () => {
    const { client } = await registerCustomer(t);
    for (const name of ['Admin Smith', 'GRACE HOPPER', 'Support']) {
      expect(outcome(await client.patch('/api/customers/me', { displayName: name }))).toEqual(refusal('displayName'));
    }
    expect((await client.get('/api/customers/me')).body.displayName).toBe('Casey Customer');
    expect((await client.patch('/api/customers/me', { displayName: 'Casey Q. Customer' })).status).toBe(200);
  });

  it('checks a customer’s account name when it starts a conversation under it', async () => {
    const { client } = await registerCustomer(t, t.client(), { displayName: 'Robin Quill' });
    // An agent of that name arrives after the customer registered.
    await createStaff(t, 'agent', { firstName: 'Robin', lastName: 'Quill' });
    const text = 'Hello, I need some help please.';
    expect(outcome(await client.post('/api/conversations', { text }))).toEqual(refusal('displayName'));
    expect(outcome(await client.post('/api/conversations', { text, displayName: 'System' }))).toEqual(
      refusal('displayName'),
    );
    const started = await client.post('/api/conversations', { text, displayName: 'Robin Q.' });
    expect(started.status).toBe(201);
    expect(started.body.conversation.displayName).toBe('Robin Q.');
  });

  it('refuses staff creation with a reserved word or another staff member’s name, next to the field', async () => {
    const agent = (username: string, firstName: string, lastName: string) =>
      admin.post('/api/admin/users', {
        role: 'agent',
        username,
        email: `${username}@staff.example`,
        firstName,
        lastName,
        password: 'a long agent passphrase',
      });
    expect(outcome(await agent('team1', 'Support', 'Team'))).toEqual(refusal('firstName'));
    expect(outcome(await agent('team2', 'Helpful', 'Bot'))).toEqual(refusal('lastName'));
    expect(outcome(await agent('team3', 'System', 'Admin'))).toEqual(refusal('firstName', 'lastName'));
    // Another agent's name, also in look-alike letters: the whole name is the problem.
    expect(outcome(await agent('team4', 'Grace', 'Hopper'))).toEqual(refusal('firstName', 'lastName'));
    expect(outcome(await agent('team5', 'Grаce', 'Hoppеr'))).toEqual(refusal('firstName', 'lastName'));
    expect((await admin.get('/api/admin/users?kind=staff&search=team')).body.users).toEqual([]);
    expect((await agent('team6', 'Grace', 'Murray')).status).toBe(201);
  });

  it('refuses a rename to a reserved or another’s name, never one’s own name, changed or not', async () => {
    const alan = await createStaff(t, 'agent', { firstName: 'Alan', lastName: 'Turing' });
    const rename = (id: string, changes: Record<string, string>) => admin.patch(`/api/admin/users/${id}`, changes);
    expect(outcome(await rename(alan.user.id, { firstName: 'Grace', lastName: 'Hopper' }))).toEqual(
      refusal('firstName', 'lastName'),
    );
    expect(outcome(await rename(alan.user.id, { lastName: 'Agent' }))).toEqual(refusal('lastName'));
    // Unchanged, or built on one's own name: fine.
    expect((await rename(alan.user.id, { jobTitle: 'Lead Assistant' })).status).toBe(200);
    expect((await rename(alan.user.id, { firstName: 'Alan', lastName: 'Turing' })).status).toBe(200);
    const own = await rename(alan.user.id, { firstName: 'Dr Alan', lastName: 'Turing' });
    expect(own.status).toBe(200);
    expect(own.body.displayName).toBe('Dr Alan Turing');
    // An admin renaming themselves.
    expect((await rename(adminId, { firstName: 'Ada', lastName: 'King Lovelace' })).status).toBe(200);
    // A name from before the rule is not refused while it stays unchanged.
    await t.ctx.db.updateTable('users').set({ displayName: 'Support Team' }).where('id', '=', alan.user.id).execute();
    expect((await rename(alan.user.id, { jobTitle: 'Assistant' })).status).toBe(200);
  });

  it('applies on the command line: create-admin and create-user', async () => {
    const env = { DATABASE_URL: t.database.url, DATA_DIR: t.database.dataDir };
    const admin = await runCli(
      [
        'create-admin',
        'sysadm',
        'sysadm@uni.example',
        'a strong admin passphrase',
        'System',
        'Root',
        'IT',
        'IT',
        '--force',
      ],
      { ...env },
    );
    expect(admin.code).toBe(1);
    expect(admin.stderr).toContain(`firstName: ${RESERVED}`);
    const copy = await runCli(
      [
        'create-user',
        '--role',
        'agent',
        '--username',
        'gracecopy',
        '--email',
        'gracecopy@uni.example',
        '--password',
        'agent passphrase one',
        '--first',
        'Grace',
        '--last',
        'Hopper',
      ],
      env,
    );
    expect(copy.code).toBe(1);
    expect(copy.stderr).toContain(RESERVED);
    const customer = await runCli(
      [
        'create-user',
        '--role',
        'customer',
        '--username',
        'supportdesk',
        '--email',
        'supportdesk@uni.example',
        '--password',
        'customer passphrase one',
        '--display-name',
        'Support Desk',
      ],
      env,
    );
    expect(customer.code).toBe(1);
    expect(customer.stderr).toContain(`displayName: ${RESERVED}`);
    // Without --display-name a customer is named after the username, under the same rule.
    const named = await runCli(
      [
        'create-user',
        '--role',
        'customer',
        '--username',
        'administrator',
        '--email',
        'administrator@uni.example',
        '--password',
        'customer passphrase one',
      ],
      env,
    );
    expect(named.code).toBe(1);
    expect(named.stderr).toContain(RESERVED);
  });
});
