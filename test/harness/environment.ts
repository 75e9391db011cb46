/**
 * What the test run may rely on. Outside CI a missing PostgreSQL, Redis or Chromium skips the suites that need
 * it, with a loud line; in CI (CI=true) it is a failure.
 */
export const isCI = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const warned = new Set<string>();

/** Reports a missing dependency: throws under CI, warns loudly (once) otherwise. Returns whether to run. */
export function requireDependency(name: string, available: boolean, why: string): boolean {
  if (available) return true;
  const line = `\n!!!!! ${name} is not reachable (${why}): the suites that need it are SKIPPED. In CI this fails. !!!!!\n`;
  if (isCI) throw new Error(line.trim());
  if (!warned.has(name)) {
    warned.add(name);
    process.stderr.write(line);
  }
  return false;
}
