import type { Command } from 'commander';
import { ZodError, z } from 'zod';
import type { AuditActor } from '../../modules/audit/audit.service.js';
import type { UserRow } from '../../modules/identity/user.repository.js';
import { AppError } from '../../shared/errors.js';
import {
  customerDisplayNameSchema,
  departmentsSchema,
  emailSchema,
  newPasswordSchema,
  usernameSchema,
} from '../../shared/identity.schemas.js';
import { CliError, withCliContext } from '../cli-context.js';
import { resolvePassword } from '../password-input.js';

const CLI_ACTOR: AuditActor = { id: null, name: 'command line', ip: null };

export interface NewUserArgs {
  role: 'agent' | 'admin' | 'customer';
  username: string;
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  jobTitle?: string;
  departments?: string;
  displayName?: string;
  force?: boolean;
}

/** Creates an account with the same rules as the admin screen; returns a one-line description. */
export async function createUserFromCli(args: NewUserArgs): Promise<string> {
  return withCliContext(async ({ services }) => {
    try {
      const username = usernameSchema.parse(args.username);
      const email = emailSchema.parse(args.email);
      const password = newPasswordSchema.parse(args.password);
      let user: UserRow;
      if (args.role === 'customer') {
        const displayName = customerDisplayNameSchema.parse(args.displayName ?? username);
        user = await services.users.createCustomer(CLI_ACTOR, { username, email, password, displayName });
      } else {
        if (args.role === 'admin' && !args.force) {
          const admins = await services.users.countActiveAdmins();
          if (admins > 0) throw new CliError(`${admins} admin account(s) already exist; add --force to create another`);
        }
        const names = z.string().trim().min(1).max(60);
        user = await services.users.createStaff(CLI_ACTOR, {
          role: args.role,
          username,
          email,
          password,
          firstName: names.parse(args.firstName ?? ''),
          lastName: names.parse(args.lastName ?? ''),
          jobTitle: (args.jobTitle ?? '').trim().slice(0, 80),
          departments: departmentsSchema.parse(
            (args.departments ?? '')
              .split(',')
              .map((d) => d.trim())
              .filter(Boolean),
          ),
        });
      }
      return `Created ${user.role} "${user.username}" <${user.email}> (id ${user.id}). They can sign in now.`;
    } catch (err) {
      throw toCliError(err);
    }
  });
}

function toCliError(err: unknown): unknown {
  if (err instanceof ZodError) {
    return new CliError(err.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`).join('; '));
  }
  if (err instanceof AppError) {
    const fields = (err.details as { fields?: { path: string; message: string }[] } | undefined)?.fields;
    // "username is already taken"; a rule's whole sentence gets a colon: "firstName: Please choose another name…".
    const line = (f: { path: string; message: string }) =>
      /^[A-Z]/.test(f.message) ? `${f.path}: ${f.message}` : `${f.path} ${f.message}`;
    return new CliError(fields?.length ? fields.map(line).join('; ') : err.message);
  }
  return err;
}

export function registerCreateUser(program: Command): void {
  program
    .command('create-user')
    .description('Create an agent, admin or customer account (same rules as the admin screen)')
    .requiredOption('--role <role>', 'agent | admin | customer')
    .requiredOption('--username <username>')
    .requiredOption('--email <email>')
    .option('--password <password>', 'the password ("-" or omitted: prompt; prefer --password-stdin in scripts)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--first <name>', 'first name (staff)')
    .option('--last <name>', 'last name (staff)')
    .option('--job-title <title>', 'job title (staff)', '')
    .option('--departments <list>', 'comma-separated departments (staff)', '')
    .option('--display-name <name>', 'display name (customers; defaults to the username)')
    .option('--force', 'allow another admin when one exists')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const role = String(o.role);
      if (!['agent', 'admin', 'customer'].includes(role)) throw new CliError('--role must be agent, admin or customer');
      if (role !== 'customer' && (!o.first || !o.last)) throw new CliError('--first and --last are required for staff');
      const password = await resolvePassword(o.password as string | undefined, Boolean(o.passwordStdin));
      const line = await createUserFromCli({
        role: role as NewUserArgs['role'],
        username: String(o.username),
        email: String(o.email),
        password,
        firstName: o.first as string | undefined,
        lastName: o.last as string | undefined,
        jobTitle: o.jobTitle as string | undefined,
        departments: o.departments as string | undefined,
        displayName: o.displayName as string | undefined,
        force: Boolean(o.force),
      });
      process.stdout.write(`${line}\n`);
    });
}

export function registerCreateAdmin(program: Command): void {
  program
    .command('create-admin')
    .description('Create an admin account (the first one; more need --force). PASSWORD "-" prompts for it.')
    .argument('<username>')
    .argument('<email>')
    .argument('<password>', 'the password, or "-" to type it (or use --password-stdin)')
    .argument('<first>', 'first name')
    .argument('<last>', 'last name')
    .argument('<job_title>', 'job title, e.g. "System Manager"')
    .argument('<departments>', 'comma-separated departments, e.g. "Computing,Math"')
    .option('--force', 'create it even though an admin already exists')
    .option('--password-stdin', 'read the password from standard input (PASSWORD must then be "-")')
    .action(
      async (
        username: string,
        email: string,
        passwordArg: string,
        first: string,
        last: string,
        jobTitle: string,
        departments: string,
        o: { force?: boolean; passwordStdin?: boolean },
      ) => {
        if (o.passwordStdin && passwordArg !== '-') throw new CliError('with --password-stdin, give "-" as PASSWORD');
        const password = await resolvePassword(passwordArg, o.passwordStdin);
        const line = await createUserFromCli({
          role: 'admin',
          username,
          email,
          password,
          firstName: first,
          lastName: last,
          jobTitle,
          departments,
          force: o.force,
        });
        process.stdout.write(`${line}\n`);
      },
    );
}
