import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './cli-context.js';

/** The first line of standard input (for `--password-stdin` and piped input). */
export async function readStdinLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  throw new CliError('expected a password on standard input, got nothing');
}

/** Asks twice on the terminal without echoing; refuses a mismatch. */
export async function promptPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readStdinLine();
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      let muted = false;
      const output = new Writable({
        write(chunk: Buffer, _enc, done) {
          if (!muted) process.stdout.write(chunk);
          done();
        },
      });
      const rl = createInterface({ input: process.stdin, output, terminal: true });
      rl.question(question, (answer) => {
        rl.close();
        process.stdout.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  const first = await ask('Password: ');
  const second = await ask('Repeat password: ');
  if (first !== second) throw new CliError('the two passwords differ');
  return first;
}

/** PASSWORD argument `-` (or --password-stdin) means: read it, do not put it on the command line. */
export async function resolvePassword(argument: string | undefined, fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return readStdinLine();
  if (argument === undefined || argument === '-') return promptPassword();
  return argument;
}
