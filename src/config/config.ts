/**
 * Configuration: parsed once at boot from the environment and an optional `.env` file.
 * This folder is the only place that reads `process.env`; everything else receives a `Config`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { isIP } from 'node:net';
import { IANAZone } from 'luxon';
import { closestKey } from './closest-key.js';
import { parseKeyRing, type KeyRing } from '../modules/keys/key-ring.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string; synchronous: 'FULL' | 'NORMAL' }
  | { kind: 'postgres'; url: string; poolSize: number };

export interface Config {
  env: NodeEnv;
  isProduction: boolean;
  host: string;
  port: number;
  staffPort: number | undefined;
  publicOrigin: string | undefined;
  staffOrigin: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  /** Fastify's trustProxy: false, true, a hop count, or a list of addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  dataDir: string;
  database: DatabaseConfig;
  redis: { url: string; keyPrefix: string } | undefined;
  logLevel: LogLevel;
  /** Run pending migrations at start (under a lock); when false, refuse to start with pending ones. */
  migrateOnStart: boolean;
  /** How long SIGTERM waits for in-flight work before closing anyway. */
  shutdownTimeoutMs: number;
  /** Environment values that seed runtime settings on first start, by variable name. */
  settingSeeds: Record<string, string>;
  /** argon2id cost; cheap values are for tests only. */
  passwordHashing: { memoryKib: number; timeCost: number };
  /** How often open sockets re-check their session (a safety net behind revocation events). */
  socketRevalidateMs: number;
  /**
   * Slow and silent clients, on every listener: a connection must finish its TLS handshake and then send a complete
   * request head within `headersTimeoutMs`, and a whole request within `requestTimeoutMs`.
   */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  /**
   * Per-socket bounds: bytes queued for a socket whose reader does not keep up (beyond: the connection is dropped,
   * the client reconnects and resumes), and rate-limit refusals tolerated per window (beyond: disconnected).
   */
  sockets: { maxBufferedBytes: number; floodRefusals: number; floodWindowMs: number };
  /** Rate limits; every one is a configured value (no switch turns them off). */
  limits: {
    loginPerIpPerMinute: number;
    registrationsPerIpPerHour: number;
    visitorSessionsPerIpPerHour: number;
    passwordResetsPerIpPerHour: number;
    conversationsPerIpPerHour: number;
    messagesPer10Seconds: number;
    /** Upload requests (each up to the files of one message) per client IP and minute. */
    uploadsPerMinute: number;
    exportsPerHour: number;
  };
  /** Outgoing mail; undefined when SMTP_URL is not set (password reset then says "ask an admin"). */
  mail: { smtpUrl: string; from: string } | undefined;
  /**
   * Agent replies to a visitor who is not connected are e-mailed `delayMs` after the first one (so quick
   * follow-ups travel together), and at most one such e-mail per conversation per `intervalMs`.
   */
  offlineMail: { delayMs: number; intervalMs: number };
  /**
   * Master keys from ENCRYPTION_KEYS (first encrypts, the rest still decrypt); undefined means the embedded
   * default key file in DATA_DIR (never in production). The ring hides its key material from logs.
   */
  encryptionKeys: KeyRing | undefined;
  /** IANA zone for every support-hours decision (weekly schedule, overrides, "today"). */
  supportTimezone: string;
  /**
   * Bearer token `/metrics` requires when set. Without STAFF_PORT, `/metrics` is served only with a token; with
   * STAFF_PORT it is served on the staff listener only (and requires the token when one is set).
   */
  metricsToken: string | undefined;
  /**
   * Outgoing webhooks: every request must be answered within `timeoutMs`; a failed delivery is tried again after
   * `firstRetryMs`, doubling each time (at most 6 hours apart), until `retryForMs` after the event.
   */
  webhooks: { timeoutMs: number; firstRetryMs: number; retryForMs: number };
}

/** Variables that seed database-backed settings instead of configuring the process directly. */
const SETTING_SEED_KEYS = [
  'SERVICE_NAME',
  'AGENT_TITLE',
  'STAFF_EMAIL_DOMAINS',
  'RETENTION_DAYS',
  'ADMIN_TWO_FACTOR_REQUIRED',
] as const;

const wholeNumber = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be a whole number between ${min} and ${max}`);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number between 1 and 65535`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, `${name} must be a whole number between 1 and 65535`);

const optionalNonEmpty = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const origin = (name: string) =>
  optionalNonEmpty.superRefine((value, ctx) => {
    if (value === undefined) return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${name} must be an origin such as https://support.example.com` });
      return;
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.origin !== value.replace(/\/$/, '')) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be an origin (scheme://host[:port], no path), got "${value}"`,
      });
    }
  });

const bool = (name: string, fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got "${v}"` });
      return z.NEVER;
    });

const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], {
      error: (i) => `NODE_ENV must be development, production or test, got "${String(i.input)}"`,
    })
    .default('development'),
  PORT: port('PORT').default(8000),
  HOST: z.string().trim().min(1, 'HOST must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, 'DATA_DIR must not be empty').default('./data'),
  DATABASE_URL: optionalNonEmpty,
  DATABASE_POOL_SIZE: z
    .string()
    .trim()
    .regex(/^\d+$/, 'DATABASE_POOL_SIZE must be a whole number between 1 and 100')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, 'DATABASE_POOL_SIZE must be a whole number between 1 and 100')
    .default(10),
  SQLITE_SYNCHRONOUS: z
    .enum(['FULL', 'NORMAL'], { error: 'SQLITE_SYNCHRONOUS must be FULL or NORMAL' })
    .default('FULL'),
  REDIS_URL: optionalNonEmpty,
  REDIS_KEY_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'REDIS_KEY_PREFIX may hold letters, digits, ":", "_" and "-" (1–64)')
    .default('sc'),
  PUBLIC_ORIGIN: origin('PUBLIC_ORIGIN'),
  STAFF_PORT: port('STAFF_PORT').optional(),
  STAFF_ORIGIN: origin('STAFF_ORIGIN'),
  TLS_CERT_FILE: optionalNonEmpty,
  TLS_KEY_FILE: optionalNonEmpty,
  TRUST_PROXY: optionalNonEmpty,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: (i) => `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${String(i.input)}"`,
    })
    .default('info'),
  MIGRATE_ON_START: bool('MIGRATE_ON_START', true),
  // Seeds for runtime settings (validated by the settings module; stored once, then the admin's value wins).
  SERVICE_NAME: optionalNonEmpty,
  AGENT_TITLE: optionalNonEmpty,
  STAFF_EMAIL_DOMAINS: optionalNonEmpty,
  RETENTION_DAYS: optionalNonEmpty,
  ADMIN_TWO_FACTOR_REQUIRED: z
    .enum(['true', 'false'], { error: 'ADMIN_TWO_FACTOR_REQUIRED must be true or false' })
    .optional(),
  PASSWORD_HASH_MEMORY_KIB: wholeNumber('PASSWORD_HASH_MEMORY_KIB', 1024, 1_048_576).default(19_456),
  PASSWORD_HASH_TIME_COST: wholeNumber('PASSWORD_HASH_TIME_COST', 1, 20).default(2),
  SMTP_URL: optionalNonEmpty,
  MAIL_FROM: optionalNonEmpty,
  OFFLINE_MAIL_DELAY_SECONDS: wholeNumber('OFFLINE_MAIL_DELAY_SECONDS', 0, 3_600).default(60),
  OFFLINE_MAIL_INTERVAL_MINUTES: wholeNumber('OFFLINE_MAIL_INTERVAL_MINUTES', 0, 1_440).default(10),
  SOCKET_REVALIDATE_SECONDS: wholeNumber('SOCKET_REVALIDATE_SECONDS', 1, 30).default(30),
  HTTP_HEADERS_TIMEOUT_SECONDS: wholeNumber('HTTP_HEADERS_TIMEOUT_SECONDS', 1, 300).default(10),
  HTTP_REQUEST_TIMEOUT_SECONDS: wholeNumber('HTTP_REQUEST_TIMEOUT_SECONDS', 1, 3_600).default(300),
  SOCKET_MAX_BUFFERED_KIB: wholeNumber('SOCKET_MAX_BUFFERED_KIB', 64, 1_048_576).default(8_192),
  SOCKET_FLOOD_REFUSALS: wholeNumber('SOCKET_FLOOD_REFUSALS', 1, 10_000).default(20),
  SOCKET_FLOOD_WINDOW_SECONDS: wholeNumber('SOCKET_FLOOD_WINDOW_SECONDS', 1, 3_600).default(60),
  LIMIT_LOGIN_PER_IP_PER_MINUTE: wholeNumber('LIMIT_LOGIN_PER_IP_PER_MINUTE', 1, 1_000_000).default(30),
  LIMIT_REGISTRATIONS_PER_IP_PER_HOUR: wholeNumber('LIMIT_REGISTRATIONS_PER_IP_PER_HOUR', 1, 1_000_000).default(10),
  LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR: wholeNumber('LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR', 1, 1_000_000).default(
    60,
  ),
  LIMIT_PASSWORD_RESETS_PER_IP_PER_HOUR: wholeNumber('LIMIT_PASSWORD_RESETS_PER_IP_PER_HOUR', 1, 1_000_000).default(10),
  LIMIT_CONVERSATIONS_PER_IP_PER_HOUR: wholeNumber('LIMIT_CONVERSATIONS_PER_IP_PER_HOUR', 1, 1_000_000).default(20),
  LIMIT_MESSAGES_PER_10_SECONDS: wholeNumber('LIMIT_MESSAGES_PER_10_SECONDS', 1, 1_000_000).default(20),
  LIMIT_UPLOADS_PER_MINUTE: wholeNumber('LIMIT_UPLOADS_PER_MINUTE', 1, 1_000_000).default(60),
  LIMIT_EXPORTS_PER_HOUR: wholeNumber('LIMIT_EXPORTS_PER_HOUR', 1, 1_000_000).default(20),
  ENCRYPTION_KEYS: optionalNonEmpty.transform((value, ctx): KeyRing | undefined => {
    if (value === undefined) return undefined;
    const parsed = parseKeyRing(value);
    if (parsed.ring) return parsed.ring;
    for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: `ENCRYPTION_KEYS: ${problem}` });
    return z.NEVER;
  }),
  SUPPORT_TIMEZONE: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 'UTC';
      if (IANAZone.isValidZone(v)) return v;
      ctx.addIssue({
        code: 'custom',
        message: `SUPPORT_TIMEZONE must be an IANA time zone such as Europe/Paris or America/New_York, got "${v}"`,
      });
      return z.NEVER;
    }),
  METRICS_TOKEN: optionalNonEmpty.refine(
    (v) => v === undefined || /^[A-Za-z0-9._~+/=-]{32,256}$/.test(v),
    'METRICS_TOKEN must be 32–256 characters of letters, digits and ._~+/=- (e.g. openssl rand -hex 32)',
  ),
  WEBHOOK_TIMEOUT_SECONDS: wholeNumber('WEBHOOK_TIMEOUT_SECONDS', 1, 60).default(10),
  WEBHOOK_FIRST_RETRY_SECONDS: wholeNumber('WEBHOOK_FIRST_RETRY_SECONDS', 1, 3_600).default(30),
  WEBHOOK_RETRY_HOURS: wholeNumber('WEBHOOK_RETRY_HOURS', 1, 168).default(24),
  SHUTDOWN_TIMEOUT_MS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds')
    .transform(Number)
    .default(10_000),
});

/** Every key this program understands; a key in `.env` outside this list is a typo until proven otherwise. */
export const KNOWN_KEYS: readonly string[] = Object.keys(envSchema.shape);

export interface LoadConfigOptions {
  /** Path of the optional .env file; defaults to `.env` in the working directory. */
  envFile?: string | false;
  cwd?: string;
}

/**
 * Builds the configuration from `env` (process.env by default) over the optional `.env` file.
 * Throws ConfigError listing every problem at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  let fileValues: Record<string, string> = {};
  const envFile = options.envFile === undefined ? resolve(cwd, '.env') : options.envFile;
  if (envFile && existsSync(envFile)) {
    fileValues = parseDotenv(readFileSync(envFile));
    for (const key of Object.keys(fileValues)) {
      if (!KNOWN_KEYS.includes(key)) {
        const suggestion = closestKey(key, KNOWN_KEYS);
        problems.push(`${envFile}: unknown key ${key}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
      }
    }
  }
  // The real environment wins over the file, as with every dotenv-style tool.
  const merged: Record<string, string | undefined> = { ...fileValues };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;

  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(issue.message);
  }
  // Checked on the raw values so it is listed even when other variables are invalid too.
  if (merged.NODE_ENV?.trim() === 'production' && (merged.ENCRYPTION_KEYS ?? '').trim() === '') {
    problems.push(
      'ENCRYPTION_KEYS is required when NODE_ENV=production (id:base64 of 32 random bytes, e.g. ' +
        'k1:$(openssl rand -base64 32)); the generated key file is for development only',
    );
  }
  if (merged.NODE_ENV?.trim() === 'production' && (merged.PUBLIC_ORIGIN ?? '').trim() === '') {
    problems.push(
      'PUBLIC_ORIGIN is required when NODE_ENV=production (the origin browsers use, e.g. ' +
        'https://support.example.com): without it sockets and writes would be checked against the Host header',
    );
  }
  if (!parsed.success) throw new ConfigError(problems);
  const e = parsed.data;

  const dataDir = resolve(cwd, e.DATA_DIR);
  const database = parseDatabaseUrl(e.DATABASE_URL, cwd, dataDir, e.SQLITE_SYNCHRONOUS, e.DATABASE_POOL_SIZE, problems);

  let redis: Config['redis'];
  if (e.REDIS_URL !== undefined) {
    if (!/^rediss?:\/\/[^\s]+$/.test(e.REDIS_URL) || !safeUrl(e.REDIS_URL)) {
      problems.push('REDIS_URL must look like redis://host:6379 or rediss://host:6380');
    } else {
      redis = { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX };
    }
  }

  if (e.STAFF_PORT !== undefined && e.STAFF_PORT === e.PORT) {
    problems.push(`STAFF_PORT must differ from PORT (both are ${e.PORT})`);
  }
  if (e.HTTP_REQUEST_TIMEOUT_SECONDS < e.HTTP_HEADERS_TIMEOUT_SECONDS) {
    problems.push(
      `HTTP_REQUEST_TIMEOUT_SECONDS (${e.HTTP_REQUEST_TIMEOUT_SECONDS}) must be at least HTTP_HEADERS_TIMEOUT_SECONDS (${e.HTTP_HEADERS_TIMEOUT_SECONDS})`,
    );
  }
  if (e.STAFF_ORIGIN !== undefined && e.STAFF_PORT === undefined) {
    problems.push('STAFF_ORIGIN is only meaningful with STAFF_PORT');
  }

  let tls: Config['tls'];
  if ((e.TLS_CERT_FILE === undefined) !== (e.TLS_KEY_FILE === undefined)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  } else if (e.TLS_CERT_FILE !== undefined && e.TLS_KEY_FILE !== undefined) {
    const certFile = resolve(cwd, e.TLS_CERT_FILE);
    const keyFile = resolve(cwd, e.TLS_KEY_FILE);
    if (!existsSync(certFile)) problems.push(`TLS_CERT_FILE: no such file ${certFile}`);
    if (!existsSync(keyFile)) problems.push(`TLS_KEY_FILE: no such file ${keyFile}`);
    tls = { certFile, keyFile };
  }

  const trustProxy = parseTrustProxy(e.TRUST_PROXY, problems);

  if (e.SMTP_URL !== undefined && !/^smtps?:\/\/\S+$/.test(e.SMTP_URL)) {
    problems.push('SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465');
  }
  if (e.MAIL_FROM !== undefined && !/^[^<>]*<?[^\s@<>]+@[^\s@<>]+>?$/.test(e.MAIL_FROM)) {
    problems.push('MAIL_FROM must be an address, optionally with a name: "Support <help@example.com>"');
  }
  if (e.NODE_ENV === 'production' && e.PASSWORD_HASH_MEMORY_KIB < 19_456) {
    problems.push('PASSWORD_HASH_MEMORY_KIB below 19456 (OWASP minimum for argon2id) is refused in production');
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    host: e.HOST,
    port: e.PORT,
    staffPort: e.STAFF_PORT,
    publicOrigin: e.PUBLIC_ORIGIN?.replace(/\/$/, ''),
    staffOrigin: e.STAFF_ORIGIN?.replace(/\/$/, ''),
    tls,
    trustProxy,
    dataDir,
    database,
    redis,
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    socketRevalidateMs: e.SOCKET_REVALIDATE_SECONDS * 1000,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
    },
    sockets: {
      maxBufferedBytes: e.SOCKET_MAX_BUFFERED_KIB * 1024,
      floodRefusals: e.SOCKET_FLOOD_REFUSALS,
      floodWindowMs: e.SOCKET_FLOOD_WINDOW_SECONDS * 1000,
    },
    limits: {
      loginPerIpPerMinute: e.LIMIT_LOGIN_PER_IP_PER_MINUTE,
      registrationsPerIpPerHour: e.LIMIT_REGISTRATIONS_PER_IP_PER_HOUR,
      visitorSessionsPerIpPerHour: e.LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR,
      passwordResetsPerIpPerHour: e.LIMIT_PASSWORD_RESETS_PER_IP_PER_HOUR,
      conversationsPerIpPerHour: e.LIMIT_CONVERSATIONS_PER_IP_PER_HOUR,
      messagesPer10Seconds: e.LIMIT_MESSAGES_PER_10_SECONDS,
      uploadsPerMinute: e.LIMIT_UPLOADS_PER_MINUTE,
      exportsPerHour: e.LIMIT_EXPORTS_PER_HOUR,
    },
    passwordHashing: { memoryKib: e.PASSWORD_HASH_MEMORY_KIB, timeCost: e.PASSWORD_HASH_TIME_COST },
    offlineMail: {
      delayMs: e.OFFLINE_MAIL_DELAY_SECONDS * 1000,
      intervalMs: e.OFFLINE_MAIL_INTERVAL_MINUTES * 60_000,
    },
    mail: e.SMTP_URL ? { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM ?? 'Support Central <no-reply@localhost>' } : undefined,
    settingSeeds: Object.fromEntries(SETTING_SEED_KEYS.flatMap((k) => (e[k] === undefined ? [] : [[k, e[k]]]))),
    encryptionKeys: e.ENCRYPTION_KEYS,
    supportTimezone: e.SUPPORT_TIMEZONE,
    metricsToken: e.METRICS_TOKEN,
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000,
      firstRetryMs: e.WEBHOOK_FIRST_RETRY_SECONDS * 1000,
      retryForMs: e.WEBHOOK_RETRY_HOURS * 3_600_000,
    },
  };
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function parseDatabaseUrl(
  value: string | undefined,
  cwd: string,
  dataDir: string,
  synchronous: 'FULL' | 'NORMAL',
  poolSize: number,
  problems: string[],
): DatabaseConfig {
  if (value === undefined) return { kind: 'sqlite', file: resolve(dataDir, 'support-central.db'), synchronous };
  if (value.startsWith('sqlite:')) {
    // sqlite:/absolute/path.db or sqlite:relative/to/cwd.db
    const file = value.slice('sqlite:'.length);
    if (file === '') problems.push('DATABASE_URL sqlite:<path> needs a file path');
    return { kind: 'sqlite', file: resolve(cwd, file), synchronous };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    const url = safeUrl(value);
    if (!url || url.hostname === '' || url.pathname.length <= 1) {
      problems.push('DATABASE_URL must look like postgres://user:password@host:5432/database');
    }
    return { kind: 'postgres', url: value, poolSize };
  }
  problems.push(
    'DATABASE_URL must start with postgres:// or postgresql:// (or sqlite:<path>); leave it unset for SQLite',
  );
  return { kind: 'sqlite', file: '', synchronous };
}

function parseTrustProxy(value: string | undefined, problems: string[]): Config['trustProxy'] {
  if (value === undefined) return false;
  const v = value.toLowerCase();
  if (['true', 'yes', '1'].includes(v)) return true;
  if (['false', 'no', '0'].includes(v)) return false;
  if (/^\d+$/.test(v)) return Number(v);
  const parts = value.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => {
    const [addr, bits] = p.split('/');
    if (!addr || isIP(addr) === 0) return !['loopback', 'linklocal', 'uniquelocal'].includes(p);
    return bits !== undefined && !/^\d{1,3}$/.test(bits);
  });
  if (bad.length > 0) {
    problems.push(
      `TRUST_PROXY must be true, false, a hop count, or addresses/CIDRs; not understood: ${bad.join(', ')}`,
    );
    return false;
  }
  return parts;
}
