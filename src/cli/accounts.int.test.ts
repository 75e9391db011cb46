import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../test/harness/dialects.js';
import { runCli } from '../../test/harness/run-cli.js';
import { startTestApp } from '../../test/harness/test-app.js';

describeEachDialect('CLI: create-admin and create-user', (dialect) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    env = { DATABASE_URL: database.url, DATA_DIR: database.dataDir };
  });
  afterAll(() => database?.drop());

  it('creates the first admin, who can really sign in as admin', async () => {
    const r = await runCli(
      [
        'create-admin',
        'boss',
        'boss@uni.example',
        'a strong admin passphrase',
        'Ada',
        'Boss',
        'System Manager',
        'Computing,Math',
      ],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Created admin "boss" <boss@uni.example>/);
    const t = await startTestApp(dialect, { database });
    try {
      const c = t.staffClient();
      const login = await c.post('/api/staff/login', { login: 'boss', password: 'a strong admin passphrase' });
      expect(login.status).toBe(200);
      expect(login.body.me).toMatchObject({
        role: 'admin',
        jobTitle: 'System Manager',
        departments: ['Computing', 'Math'],
      });
      expect((await c.get('/api/admin/users')).status).toBe(200);
    } finally {
      await t.app.stop();
    }
  });

  it('refuses a second admin without --force, and accepts it with --force (password from stdin)', async () => {
    const refused = await runCli(
      ['create-admin', 'boss2', 'boss2@uni.example', 'another strong passphrase', 'B', 'Two', 'Manager', 'IT'],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/admin account\(s\) already exist; add --force/);
    const forced = await runCli(
      ['create-admin', 'boss2', 'boss2@uni.example', '-', 'B', 'Two', 'Manager', 'IT', '--force', '--password-stdin'],
      env,
      'another strong passphrase\n',
    );
    expect(forced.code).toBe(0);
  });

  it.each([
    [
      'a weak password',
      ['create-admin', 'weakling', 'weak@uni.example', 'password123', 'W', 'L', 'T', 'D', '--force'],
      /too common/,
    ],
    [
      'a duplicate username',
      ['create-admin', 'BOSS', 'other@uni.example', 'a strong admin passphrase', 'A', 'B', 'T', 'D', '--force'],
      /username is already taken/,
    ],
    [
      'a bad e-mail',
      [
        'create-user',
        '--role',
        'agent',
        '--username',
        'ag',
        '--email',
        'nope',
        '--password',
        'agent passphrase 1',
        '--first',
        'A',
        '--last',
        'G',
      ],
      /valid e-mail|at least 3/,
    ],
    ['a missing argument', ['create-admin', 'only-one'], /missing required argument/],
    [
      'an unknown role',
      [
        'create-user',
        '--role',
        'root',
        '--username',
        'rooty',
        '--email',
        'r@x.example',
        '--password',
        'root passphrase 1',
      ],
      /--role must be agent, admin or customer/,
    ],
  ])('refuses %s with a clear message and exit 1', async (_name, args, message) => {
    const r = await runCli(args, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('create-user makes agents and customers who sign in at once', async () => {
    const agent = await runCli(
      [
        'create-user',
        '--role',
        'agent',
        '--username',
        'helper1',
        '--email',
        'helper1@uni.example',
        '--password-stdin',
        '--first',
        'Hal',
        '--last',
        'Per',
        '--job-title',
        'Course Assistant',
      ],
      env,
      'helper passphrase one\n',
    );
    expect(agent.code).toBe(0);
    const customer = await runCli(
      [
        'create-user',
        '--role',
        'customer',
        '--username',
        'cora',
        '--email',
        'cora@mail.example',
        '--password',
        'customer passphrase',
      ],
      env,
    );
    expect(customer.code).toBe(0);
    const t = await startTestApp(dialect, { database });
    try {
      expect(
        (await t.staffClient().post('/api/staff/login', { login: 'helper1', password: 'helper passphrase one' }))
          .status,
      ).toBe(200);
      expect(
        (await t.client().post('/api/customers/login', { login: 'cora@mail.example', password: 'customer passphrase' }))
          .status,
      ).toBe(200);
    } finally {
      await t.app.stop();
    }
  });

  it('shows help for every command', async () => {
    for (const command of ['create-admin', 'create-user', 'migrate', 'serve']) {
      const r = await runCli([command, '--help'], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: support-central/);
    }
  });
});
