/**
 * The desk's daily tools on the wire (issue 15, part B): labels, snooze, satisfaction ratings, search and reports.
 * Shared by the server and the browser.
 */
import { z } from 'zod';

// Labels

/** Label colours: each is a Bootstrap "subtle" pair with AA contrast (see web/src/staff/desk/LabelBadge.tsx). */
export const LABEL_COLORS = ['gray', 'blue', 'green', 'yellow', 'orange', 'red', 'purple', 'teal'] as const;
export type LabelColor = (typeof LABEL_COLORS)[number];

export interface LabelView {
  id: string;
  name: string;
  color: LabelColor;
}

export const labelInputSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'Give the label a name.')
    .max(40, 'At most 40 characters.')
    .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'No control or invisible characters.'),
  color: z.enum(LABEL_COLORS).default('gray'),
});
export type LabelInput = z.input<typeof labelInputSchema>;

export const applyLabelSchema = z.strictObject({ labelId: z.string().min(1).max(64) });

// Snooze

export interface SnoozeView {
  /** When it was parked. */
  since: string;
  /** When it wakes by itself; null: only when the visitor (or customer) writes. */
  until: string | null;
  by: { userId: string | null; name: string };
}

/** Why a conversation stopped being snoozed. */
export type WakeReason = 'time' | 'visitor_wrote' | 'agent' | 'ended';

/** At most 30 days ahead; a past instant is refused. */
export const MAX_SNOOZE_MS = 30 * 24 * 3_600_000;

export const snoozeInputSchema = z.strictObject({
  /** Wake at this instant (ISO 8601 with offset); absent or null: until the visitor writes. */
  until: z.iso.datetime({ offset: true }).nullable().optional(),
});

// Satisfaction (CSAT)

export const csatInputSchema = z.strictObject({
  rating: z.number().int().min(1, 'Choose 1 to 5 stars.').max(5, 'Choose 1 to 5 stars.'),
  comment: z
    .string()
    .trim()
    .max(1000, 'At most 1000 characters.')
    .optional()
    .transform((c) => (c === '' ? undefined : c)),
});
export type CsatInput = z.input<typeof csatInputSchema>;

export interface CsatView {
  rating: number;
  comment: string | null;
  submittedAt: string;
  updatedAt: string;
}

/** What the visitor's page needs: whether it may rate, its rating, and until when it may change it. */
export interface PublicCsatState {
  /** Rating is offered (the setting is on and the conversation has ended). */
  open: boolean;
  csat: CsatView | null;
  /** Until this instant the rating may be changed; null when it may not (any more). */
  editableUntil: string | null;
}

// Search

export const SEARCH_STATUSES = ['waiting', 'active', 'snoozed', 'closed', 'left'] as const;

export const searchQuerySchema = z.strictObject({
  /** Matched case-insensitively against decrypted messages and notes (bounded scan, continued by the cursor). */
  text: z.string().trim().min(2, 'At least 2 characters.').max(200).optional(),
  /** Part of the contact's name or e-mail address. */
  contact: z.string().trim().min(1).max(200).optional(),
  status: z.enum(SEARCH_STATUSES).optional(),
  /** An agent who is or was in the conversation, or wrote in it. */
  agentId: z.string().min(1).max(64).optional(),
  labelId: z.string().min(1).max(64).optional(),
  /** Started on or after this local date (support timezone), YYYY-MM-DD. */
  from: z.iso.date().optional(),
  /** Started on or before this local date (support timezone), inclusive. */
  to: z.iso.date().optional(),
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  pageSize: z.coerce.number().int().min(1).max(50).default(20),
});
export type SearchQuery = z.output<typeof searchQuerySchema>;

export interface SearchHit {
  id: string;
  displayName: string;
  email: string | null;
  isCustomer: boolean;
  topic: string | null;
  status: 'waiting' | 'active' | 'closed' | 'left';
  createdAt: string;
  lastMessageAt: string;
  agents: { userId: string; name: string }[];
  labels: LabelView[];
  snooze: SnoozeView | null;
  csatRating: number | null;
  /** Messages whose text matched (0 without a text filter). */
  matches: number;
  /** The first match in context (a few words either side), or null. */
  snippet: string | null;
}

export interface SearchPage {
  hits: SearchHit[];
  /** Continue from here (null: nothing more). With a text filter a page may be short: the scan is bounded. */
  nextCursor: string | null;
  /** Conversations looked at by this request (a text search decrypts each). */
  scanned: number;
}

// Reports

export const REPORT_MAX_DAYS = 366;

export const reportQuerySchema = z.strictObject({
  /** First local date (support timezone), YYYY-MM-DD. */
  from: z.iso.date(),
  /** Last local date, inclusive. */
  to: z.iso.date(),
});

export const REPORT_SECTIONS = ['daily', 'hourly', 'heatmap', 'response', 'csat', 'agents'] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

export interface Percentiles {
  count: number;
  /** Seconds; null without data. */
  p50: number | null;
  p75: number | null;
  p90: number | null;
  p95: number | null;
}

export interface CsatGroup {
  /** An agent's user id (or, with teams, a team's id); null for "nobody". */
  id: string | null;
  name: string;
  ratings: number;
  average: number | null;
  /** Share of 4 and 5 ratings, 0–100. */
  satisfied: number | null;
  /** Ratings 1..5, counts. */
  distribution: [number, number, number, number, number];
}

export interface AgentWorkload {
  userId: string;
  name: string;
  /** Conversations the agent joined in the range. */
  joined: number;
  /** Conversations the agent closed in the range. */
  closed: number;
  /** Replies (text messages) sent in the range. */
  replies: number;
  /** Median first response (seconds) of the conversations whose first reply was the agent's. */
  medianFirstResponse: number | null;
}

export interface ReportView {
  from: string;
  to: string;
  timezone: string;
  totals: { conversations: number; closed: number; ratings: number; averageRating: number | null };
  /** Conversations started per local date. */
  daily: { date: string; conversations: number; closed: number }[];
  /** Conversations started per local hour of the day (0–23), over the range. */
  hourly: { hour: number; conversations: number }[];
  /** Conversations started per weekday (1 = Monday … 7 = Sunday) and hour. */
  heatmap: { weekday: number; hours: number[] }[];
  firstResponse: Percentiles;
  resolution: Percentiles;
  csatByAgent: CsatGroup[];
  /** Null until teams exist (issue 15, part A): the seam is `csatGroups` in src/modules/reports/report.repository.ts. */
  csatByTeam: CsatGroup[] | null;
  agents: AgentWorkload[];
}
