import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const dir = () => mkdtempSync(join(tmpdir(), 'sc-config-'));

function problemsOf(env: Record<string, string>, envFileContent?: string): string[] {
  const cwd = dir();
  if (envFileContent !== undefined) writeFileSync(join(cwd, '.env'), envFileContent);
  try {
    loadConfig(env, { cwd });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('gives the embedded default: SQLite under ./data on port 8000', () => {
    const cwd = dir();
    const config = loadConfig({}, { cwd });
    expect(config.port).toBe(8000);
    expect(config.database).toEqual({
      kind: 'sqlite',
      file: join(cwd, 'data', 'support-central.db'),
      synchronous: 'FULL',
    });
    expect(config.redis).toBeUndefined();
    expect(config.env).toBe('development');
    expect(config.migrateOnStart).toBe(true);
  });

  it('selects PostgreSQL from a postgres:// DATABASE_URL and Redis from REDIS_URL', () => {
    const config = loadConfig(
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', REDIS_URL: 'redis://127.0.0.1:6379' },
      { cwd: dir() },
    );
    expect(config.database).toMatchObject({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'sc' });
  });

  it('bounds slow connections and sockets: defaults, overrides, and a request time shorter than the head time', () => {
    const defaults = loadConfig({}, { cwd: dir() });
    expect(defaults.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 300_000 });
    expect(defaults.sockets).toEqual({ maxBufferedBytes: 8 * 1024 * 1024, floodRefusals: 20, floodWindowMs: 60_000 });
    const set = loadConfig(
      {
        HTTP_HEADERS_TIMEOUT_SECONDS: '5',
        HTTP_REQUEST_TIMEOUT_SECONDS: '60',
        SOCKET_MAX_BUFFERED_KIB: '1024',
        SOCKET_FLOOD_REFUSALS: '5',
        SOCKET_FLOOD_WINDOW_SECONDS: '10',
      },
      { cwd: dir() },
    );
    expect(set.http).toEqual({ headersTimeoutMs: 5_000, requestTimeoutMs: 60_000 });
    expect(set.sockets).toEqual({ maxBufferedBytes: 1024 * 1024, floodRefusals: 5, floodWindowMs: 10_000 });
    const problems = problemsOf({
      HTTP_HEADERS_TIMEOUT_SECONDS: '30',
      HTTP_REQUEST_TIMEOUT_SECONDS: '20',
      SOCKET_MAX_BUFFERED_KIB: '8',
      SOCKET_FLOOD_REFUSALS: '0',
    });
    expect(problems.join('\n')).toMatch(/SOCKET_MAX_BUFFERED_KIB must be a whole number between 64 and 1048576/);
    expect(problems.join('\n')).toMatch(/SOCKET_FLOOD_REFUSALS must be a whole number between 1 and 10000/);
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_SECONDS: '30', HTTP_REQUEST_TIMEOUT_SECONDS: '20' })).toEqual([
      'HTTP_REQUEST_TIMEOUT_SECONDS (20) must be at least HTTP_HEADERS_TIMEOUT_SECONDS (30)',
    ]);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', NODE_ENV: 'prod' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/PORT must be a whole number/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/);
    expect(problems.join('\n')).toMatch(/NODE_ENV must be development, production or test/);
  });

  it('reads SUPPORT_TIMEZONE (default UTC) and lists a bad zone with the other problems', () => {
    expect(loadConfig({}, { cwd: dir() }).supportTimezone).toBe('UTC');
    expect(loadConfig({ SUPPORT_TIMEZONE: 'Australia/Lord_Howe' }, { cwd: dir() }).supportTimezone).toBe(
      'Australia/Lord_Howe',
    );
    const problems = problemsOf({ SUPPORT_TIMEZONE: 'Europe/Atlantis', PORT: 'eighty' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/SUPPORT_TIMEZONE must be an IANA time zone/);
  });

  it.each([
    [{ PORT: '0' }, /PORT must be a whole number between 1 and 65535/],
    [{ PORT: '70000' }, /PORT must be a whole number between 1 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres:\/\//],
    [{ DATABASE_URL: 'postgres://' }, /DATABASE_URL must look like postgres:\/\/user:password@host:5432\/database/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must look like redis:\/\/host:6379/],
    [{ PUBLIC_ORIGIN: 'https://x.example/path' }, /PUBLIC_ORIGIN must be an origin/],
    [{ STAFF_PORT: '8000' }, /STAFF_PORT must differ from PORT/],
    [{ TLS_CERT_FILE: 'cert.pem' }, /TLS_CERT_FILE and TLS_KEY_FILE must be set together/],
    [{ TLS_CERT_FILE: 'nope.pem', TLS_KEY_FILE: 'nope.key' }, /TLS_CERT_FILE: no such file/],
    [{ TRUST_PROXY: 'sometimes' }, /TRUST_PROXY must be true, false, a hop count/],
    [{ MIGRATE_ON_START: 'maybe' }, /MIGRATE_ON_START must be true or false/],
    [
      { ENCRYPTION_KEYS: 'k1:short' },
      /ENCRYPTION_KEYS: entry 1 \("k1"\): the key must decode to exactly 32 bytes, got 3/,
    ],
    [{ ENCRYPTION_KEYS: 'no-colon' }, /ENCRYPTION_KEYS: entry 1 must look like id:base64key/],
    [{ NODE_ENV: 'production' }, /ENCRYPTION_KEYS is required when NODE_ENV=production/],
    [{ NODE_ENV: 'production' }, /PUBLIC_ORIGIN is required when NODE_ENV=production/],
    [{ SUPPORT_TIMEZONE: 'Mars/Olympus_Mons' }, /SUPPORT_TIMEZONE must be an IANA time zone .*"Mars\/Olympus_Mons"/],
  ])('refuses %o', (env, message) => {
    expect(problemsOf(env as Record<string, string>).join('\n')).toMatch(message);
  });

  it('reads .env, lets the real environment win, and reports misspelled keys with a suggestion', () => {
    const cwd = dir();
    writeFileSync(join(cwd, '.env'), 'PORT=9001\nLOG_LEVEL=debug\n');
    const config = loadConfig({ LOG_LEVEL: 'warn' }, { cwd });
    expect(config.port).toBe(9001);
    expect(config.logLevel).toBe('warn');

    const problems = problemsOf({}, 'PROT=9000\nDATABSE_URL=postgres://x/y\nTOTALLY_UNRELATED=1\n');
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/unknown key PROT \(did you mean PORT\?\)/);
    expect(problems[1]).toMatch(/unknown key DATABSE_URL \(did you mean DATABASE_URL\?\)/);
    expect(problems[2]).toMatch(/unknown key TOTALLY_UNRELATED$/);
  });

  it('accepts trust-proxy hop counts and address lists', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }, { cwd: dir() }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }, { cwd: dir() }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
  });

  it('parses ENCRYPTION_KEYS into a key ring (first key active), absent by default', () => {
    const k2 = randomBytes(32);
    const spec = `k2:${k2.toString('base64')},k1:${randomBytes(32).toString('base64')}`;
    const config = loadConfig(
      { ENCRYPTION_KEYS: spec, NODE_ENV: 'production', PUBLIC_ORIGIN: 'https://support.example' },
      { cwd: dir() },
    );
    expect(config.encryptionKeys!.activeId).toBe('k2');
    expect(config.encryptionKeys!.ids).toEqual(['k2', 'k1']);
    expect(config.encryptionKeys!.activeKey.equals(k2)).toBe(true);
    // The configuration can be logged by mistake without leaking a key.
    expect(JSON.stringify(config)).not.toContain(k2.toString('base64'));
    expect(loadConfig({}, { cwd: dir() }).encryptionKeys).toBeUndefined();
  });

  it('lists every key ring problem, and the production requirement alongside other problems', () => {
    const problems = problemsOf({ ENCRYPTION_KEYS: `k1:${randomBytes(16).toString('base64')},k1:x,,` });
    expect(problems).toHaveLength(4);
    expect(problems.every((p) => p.startsWith('ENCRYPTION_KEYS: '))).toBe(true);
    const more = problemsOf({ NODE_ENV: 'production', PORT: 'eighty' });
    expect(more).toHaveLength(3);
    expect(more.join('\n')).toMatch(/ENCRYPTION_KEYS is required when NODE_ENV=production/);
    expect(more.join('\n')).toMatch(/PUBLIC_ORIGIN is required when NODE_ENV=production/);
  });

  it('collects setting seeds from the environment', () => {
    expect(loadConfig({ SERVICE_NAME: 'Help Desk' }, { cwd: dir() }).settingSeeds).toEqual({
      SERVICE_NAME: 'Help Desk',
    });
  });
});

describe('.env.example', () => {
  it('names only known variables and parses without problems', async () => {
    const { copyFileSync } = await import('node:fs');
    const { projectRoot } = await import('../core/paths.js');
    const cwd = dir();
    copyFileSync(join(projectRoot(), '.env.example'), join(cwd, '.env'));
    expect(() => loadConfig({}, { cwd })).not.toThrow();
  });
});

describe('documentation of every variable', () => {
  it('names each configuration key in README.md and .env.example', async () => {
    const { readFileSync } = await import('node:fs');
    const { projectRoot } = await import('../core/paths.js');
    const { KNOWN_KEYS } = await import('./config.js');
    const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
    const example = readFileSync(join(projectRoot(), '.env.example'), 'utf8');
    const undocumented = KNOWN_KEYS.filter((k) => !readme.includes(`\`${k}\``));
    const notInExample = KNOWN_KEYS.filter((k) => !new RegExp(`^#?\\s*${k}=`, 'm').test(example));
    expect(undocumented).toEqual([]);
    expect(notInExample).toEqual([]);
  });

  it('names each runtime setting in README.md', async () => {
    const { readFileSync } = await import('node:fs');
    const { projectRoot } = await import('../core/paths.js');
    const { SETTING_LIST } = await import('../modules/settings/settings.definitions.js');
    const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
    expect(SETTING_LIST.map(([key]) => key).filter((k) => !readme.includes(`\`${k}\``))).toEqual([]);
  });
});
