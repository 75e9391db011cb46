import type { Command } from 'commander';
import { registerCleanupChats } from './cleanup-chats.command.js';
import { registerCreateAdmin, registerCreateUser } from './create-user.command.js';
import { registerInitSchedule } from './init-schedule.command.js';
import { registerMigrate } from './migrate.command.js';
import { registerResetTwoFactor } from './reset-two-factor.command.js';
import { registerRotateKeys } from './rotate-keys.command.js';
import { registerServe } from './serve.command.js';

export function registerCommands(program: Command): void {
  registerServe(program);
  registerMigrate(program);
  registerCreateAdmin(program);
  registerCreateUser(program);
  registerRotateKeys(program);
  registerInitSchedule(program);
  registerCleanupChats(program);
  registerResetTwoFactor(program);
}
