import type { Command } from 'commander';
import type { AuditActor } from '../../modules/audit/audit.service.js';
import { findUserByLoginKey } from '../../modules/identity/user.repository.js';
import { AppError } from '../../shared/errors.js';
import { CliError, withCliContext } from '../cli-context.js';

const CLI_ACTOR: AuditActor = { id: null, name: 'command line', ip: null };

/**
 * The way back in for a staff member who lost their phone and their recovery codes when no admin can reset them
 * in the app (the only admin, or every admin locked out): turns two-factor off, ends their sessions, audited.
 */
export async function resetTwoFactorFromCli(login: string): Promise<string> {
  return withCliContext(async ({ database, services }) => {
    const user = await findUserByLoginKey(database.db, login.normalize('NFKC').trim().toLowerCase());
    if (!user || user.role === 'customer') throw new CliError(`no staff account "${login}"`);
    try {
      await services.twoFactor.resetFor(CLI_ACTOR, user);
    } catch (err) {
      if (err instanceof AppError && err.code === 'two_factor_not_enabled') {
        throw new CliError(`two-factor sign-in is not on for "${user.username}"`);
      }
      throw err;
    }
    return `Two-factor sign-in is off for "${user.username}"; their sessions ended. They sign in with their password and can set it up again.`;
  });
}

export function registerResetTwoFactor(program: Command): void {
  program
    .command('reset-two-factor')
    .description("Turn a staff member's two-factor sign-in off (lost phone and recovery codes); ends their sessions")
    .argument('<login>', 'username or e-mail address')
    .action(async (login: string) => {
      process.stdout.write(`${await resetTwoFactorFromCli(login)}\n`);
    });
}
