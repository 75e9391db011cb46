import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let common: Set<string> | undefined;

/** ~49,000 common passwords from zxcvbn-ts (MIT), loaded once on first use, compared lower-cased. */
function commonPasswords(): Set<string> {
  if (!common) {
    const pkg = createRequire(import.meta.url).resolve('@zxcvbn-ts/language-common/package.json');
    const list = JSON.parse(readFileSync(join(dirname(pkg), 'src', 'passwords.json'), 'utf8')) as string[];
    common = new Set(list.map((p) => p.toLowerCase()));
  }
  return common;
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * Why a password is refused, or undefined when it is acceptable: at least 10 characters (code points), at
 * most 256, not a common password, not the username or the e-mail address (nor its local part).
 */
export function passwordProblem(
  password: string,
  context: { username?: string; email?: string } = {},
): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return 'is too common; choose something harder to guess';
  const username = context.username?.toLowerCase();
  const email = context.email?.toLowerCase();
  if (username && lower === username) return 'must not be your username';
  if (email && (lower === email || lower === email.split('@')[0])) return 'must not be your e-mail address';
  return undefined;
}
