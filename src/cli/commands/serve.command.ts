import type { Command } from 'commander';
import { serve } from '../../main.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the server (same as `npm start` without the build step)')
    .action(async () => {
      await serve();
    });
}
