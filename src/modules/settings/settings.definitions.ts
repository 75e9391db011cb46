/**
 * Runtime settings that admins change without a restart. Each has a schema, a default, and optionally
 * an environment variable that seeds it on first start (after that the stored value wins).
 * Later modules add their keys here.
 */
import { z } from 'zod';
import { ALLOWED_FILE_EXTENSIONS } from '../../shared/file-name.js';

const MIB = 1024 * 1024;

export const SETTING_DEFINITIONS = {
  'branding.serviceName': {
    schema: z.string().trim().min(1).max(80),
    default: 'Support Central',
    envKey: 'SERVICE_NAME',
    public: true,
  },
  'branding.agentTitle': {
    schema: z.string().trim().min(1).max(60),
    default: 'Support',
    envKey: 'AGENT_TITLE',
    public: true,
  },
  'staff.emailDomains': {
    // Comma-separated in the environment, a list in the admin screen; empty means any domain.
    schema: z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((d) => d.trim())
              .filter(Boolean)
          : v,
      z
        .array(
          z
            .string()
            .trim()
            .toLowerCase()
            .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'must be a domain such as example.com'),
        )
        .max(50),
    ),
    default: [] as string[],
    envKey: 'STAFF_EMAIL_DOMAINS',
    public: false,
  },
  'conversations.idleAutoCloseHours': {
    // Off (null) by default: a conversation without messages for this many hours closes with a system line.
    schema: z.number().int().min(1).max(720).nullable(),
    default: null as number | null,
    public: false,
  },
  'routing.reassignAfterSeconds': {
    // An automatically assigned (or transferred) conversation whose agent has not answered after this many seconds
    // goes to the next available agent, and that agent is set away; null never passes one on.
    schema: z.preprocess(
      (v) => (v === '' ? null : v),
      z
        .number({ error: 'must be a whole number of seconds, or empty to never pass a chat on' })
        .int('must be a whole number of seconds')
        .min(30, 'must be at least 30 seconds')
        .max(86_400, 'must be at most 86400 seconds (a day)')
        .nullable(),
    ),
    default: 120 as number | null,
    public: false,
  },
  'conversations.emailRequiredWhileClosed': {
    // While support is closed, the start form requires an e-mail address, so the answer can reach the visitor.
    schema: z.boolean(),
    default: false,
    envKey: undefined,
    public: true,
  },
  'csat.enabled': {
    // After a conversation ends, its visitor or customer is asked to rate it 1–5 (with an optional comment).
    schema: z.boolean(),
    default: true,
    public: true,
  },
  'csat.editMinutes': {
    // How long after rating the visitor may still change the rating or comment (0: never).
    schema: z.number().int().min(0).max(1440),
    default: 15,
    public: false,
  },
  'retention.days': {
    // Closed and left conversations older than this many days are purged daily; null keeps history forever.
    schema: z.preprocess(
      (v) => (v === '' ? null : v),
      z
        .number({ error: 'must be a whole number of days, or empty to keep history forever' })
        .int('must be a whole number of days')
        .min(1, 'must be at least 1 day')
        .max(36_500, 'must be at most 36500 days (100 years)')
        .nullable(),
    ),
    default: null as number | null,
    envKey: 'RETENTION_DAYS',
    public: false,
  },
  // Attachment rules. Uploads are held in memory while they are checked and encrypted (one file at a time per
  // request), so the per-file cap also bounds that memory: 100 MiB at most.
  'attachments.maxFileBytes': {
    schema: z
      .number()
      .int()
      .min(1024)
      .max(100 * MIB),
    default: 5 * MIB,
    public: true,
  },
  'attachments.maxMessageBytes': {
    schema: z
      .number()
      .int()
      .min(1024)
      .max(1024 * MIB),
    default: 25 * MIB,
    public: true,
  },
  'attachments.maxFiles': { schema: z.number().int().min(1).max(50), default: 10, public: true },
  // Largest image (width × height, as its header declares them): browsers allocate 4 bytes per pixel to show one,
  // so a tiny file can declare gigabytes. 50 megapixels holds any phone photo; at most 250 megapixels.
  'attachments.maxImagePixels': {
    schema: z.number().int().min(10_000).max(250_000_000),
    default: 50_000_000,
    public: true,
  },
  'attachments.allowedExtensions': {
    // A subset of the product's list (never more: svg, exe and friends are not an admin's choice).
    schema: z
      .array(z.string().trim().toLowerCase().pipe(z.enum(ALLOWED_FILE_EXTENSIONS)))
      .max(ALLOWED_FILE_EXTENSIONS.length)
      .transform((list) => [...new Set(list)]),
    default: [...ALLOWED_FILE_EXTENSIONS],
    public: true,
  },
  // The embeddable widget (docs/widget.md): what the launcher and the chat look like on a host site, and what they
  // do while nobody can answer (outside hours, or open with no agent online).
  'widget.title': { schema: z.string().trim().min(1).max(60), default: 'Chat with us', public: true },
  'widget.color': {
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^#[0-9a-f]{6}$/, 'must be a colour such as #0d6efd'),
    default: '#0d6efd',
    public: true,
  },
  'widget.greeting': {
    schema: z.string().trim().min(1).max(300),
    default: 'Hi! Ask us anything: we usually answer within minutes.',
    public: true,
  },
  'widget.position': { schema: z.enum(['right', 'left']), default: 'right' as 'right' | 'left', public: true },
  'widget.offlineBehavior': {
    // form: the chat opens on a "leave us a message" form (e-mail asked); hide: no launcher (unless the visitor has
    // a conversation); next_opening: the launcher says when we are back, in the visitor's own time.
    schema: z.enum(['form', 'hide', 'next_opening']),
    default: 'form' as 'form' | 'hide' | 'next_opening',
    public: true,
  },
  // Admins without two-factor sign-in are sent to enrolment after signing in, and refused everything else until done.
  'security.adminTwoFactorRequired': {
    schema: z.boolean(),
    default: false,
    envKey: 'ADMIN_TWO_FACTOR_REQUIRED',
    public: false,
  },
} as const satisfies Record<string, SettingDefinition>;

export interface SettingDefinition {
  schema: z.ZodType;
  default: unknown;
  envKey?: string;
  public: boolean;
}

/** The definitions as a uniform list (for code that walks every setting). */
export const SETTING_LIST = Object.entries(SETTING_DEFINITIONS) as [SettingKey, SettingDefinition][];

export type SettingKey = keyof typeof SETTING_DEFINITIONS;
export type SettingValue<K extends SettingKey> = z.output<(typeof SETTING_DEFINITIONS)[K]['schema']>;
export type SettingValues = { [K in SettingKey]: SettingValue<K> };

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTING_DEFINITIONS, key);
}
