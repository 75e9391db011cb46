#!/usr/bin/env node
/**
 * The `support-central` command line: `npm run cli -- <command>` in a checkout, or the `support-central` bin.
 * Each command lives in commands/ and calls the same services as the server.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { CliError } from './cli-context.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('support-central')
    .description('Support Central: real-time customer support chat')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the problem (or the help text, which is not a failure).
      return err.exitCode;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

const code = await runCli(process.argv.slice(2));
// `serve` keeps the process alive by itself; every other command ends here.
if (code !== 0 || !['serve'].includes(process.argv[2] ?? '')) process.exitCode = code;
