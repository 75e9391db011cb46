import type { AuditChange, AuditEntry } from './audit.service.js';

/** An audit entry as the Admin → Audit log screen shows it: a sentence, what changed, and the other facts. */
export interface AuditEntryView extends AuditEntry {
  /** What happened, in words: "Changed the account of alex". */
  summary: string;
  /** Each changed field, labelled, as text: before → after. */
  changes: { field: string; before: string; after: string }[];
  /** The entry's other details (a created account's role, an override's reason…), labelled, as text. */
  facts: { label: string; value: string }[];
}

const FIELD_LABELS: Record<string, string> = {
  role: 'Role',
  email: 'E-mail',
  displayName: 'Name',
  jobTitle: 'Job title',
  departments: 'Departments',
  label: 'Label',
  isActive: 'Shown',
  position: 'Position',
  title: 'Title',
  shortcut: 'Shortcut',
  body: 'Text',
  kind: 'Kind',
  hours: 'Hours',
  reason: 'Reason',
  preset: 'Preset',
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
  filters: 'Filters',
  fields: 'Fields changed',
  'branding.serviceName': 'Service name',
  'branding.agentTitle': 'Agent title',
  'staff.emailDomains': 'Staff e-mail domains',
  'conversations.idleAutoCloseHours': 'Idle auto-close (hours)',
  'conversations.emailRequiredWhileClosed': 'E-mail required while closed',
  'retention.days': 'Retention (days)',
  'attachments.maxFileBytes': 'Largest file (bytes)',
  'attachments.maxMessageBytes': 'Largest message (bytes)',
  'attachments.maxFiles': 'Files per message',
  'attachments.allowedExtensions': 'Allowed file types',
  scopes: 'Scopes',
  botName: 'Bot name',
  expiresAt: 'Expires',
  url: 'URL',
  description: 'Description',
  events: 'Events',
  includeNotes: 'Private notes',
  allowPrivateNetwork: 'Private network targets',
  event: 'Event',
  eventId: 'Event id',
  'security.adminTwoFactorRequired': 'Two-factor required for admins',
  conversations: 'Conversations',
  files: 'Files',
  secondFactor: 'Second factor',
  current: 'This device',
};

/** Details kept for machines (older entries, filters of the API), not shown as facts. */
const NOT_FACTS = new Set(['changes', 'keys', 'method', 'path']);

const labelOf = (field: string) => FIELD_LABELS[field] ?? field;

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(text).join(', ');
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${labelOf(k)}: ${text(v)}`);
    return parts.length === 0 ? '—' : parts.join('; ');
  }
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function summaryOf(e: AuditEntry): string {
  const who = e.target?.name ?? e.target?.id ?? 'an unknown item';
  const d = e.details;
  switch (e.action) {
    case 'user.created':
      return `Created the ${text(d.role)} account ${who}`;
    case 'user.updated':
      return `Changed the account of ${who}`;
    case 'user.deactivated':
      return `Deactivated ${who} (signed out everywhere)`;
    case 'user.reactivated':
      return `Reactivated ${who}`;
    case 'user.password_reset':
      return `Set a new password for ${who}`;
    case 'user.deleted':
      return `Deleted the ${text(d.role)} account ${who}`;
    case 'staff.login':
      return 'Signed in';
    case 'staff.login_failed':
      return `Failed sign-in as ${who}`;
    case 'staff.logout':
      return 'Signed out';
    case 'staff.logout_everywhere':
      return 'Signed out on every device';
    case 'staff.password_changed':
      return 'Changed their own password';
    case 'account.password_reset_by_email':
      return 'Reset their password with an e-mailed link';
    case 'topic.created':
      return `Added the topic “${who}”`;
    case 'topic.updated':
      return `Changed the topic “${who}”`;
    case 'topic.deleted':
      return `Deleted the topic “${who}”`;
    case 'label.created':
      return `Added the label “${who}”`;
    case 'label.updated':
      return `Changed the label “${who}”`;
    case 'label.deleted':
      return `Deleted the label “${who}” (taken off every conversation)`;
    case 'canned.created':
      return `Added the canned reply “${who}”`;
    case 'canned.updated':
      return `Changed the canned reply “${who}”`;
    case 'canned.deleted':
      return `Deleted the canned reply “${who}”`;
    case 'settings.changed':
      return 'Changed settings';
    case 'schedule.week_changed':
      return d.preset ? `Applied the preset “${text(d.preset)}” to the weekly schedule` : 'Changed the weekly schedule';
    case 'schedule.override_created':
      return `Added a date override for ${who}`;
    case 'schedule.override_updated':
      return `Changed the date override for ${who}`;
    case 'schedule.override_deleted':
      return `Removed the date override for ${who}`;
    case 'schedule.override_changed':
      return 'Changed a date override';
    case 'message_logs.viewed':
      return 'Viewed the message logs';
    case 'api_token.created':
      return `Created the API token “${who}”`;
    case 'api_token.revoked':
      return `Revoked the API token “${who}”`;
    case 'webhook.created':
      return `Added the webhook endpoint ${who}`;
    case 'webhook.updated':
      return `Changed the webhook endpoint ${who}`;
    case 'webhook.deleted':
      return `Deleted the webhook endpoint ${who}`;
    case 'webhook.secret_rotated':
      return `Rotated the signing secret of ${who}`;
    case 'webhook.redelivered':
      return `Redelivered ${text(d.event)} to ${who}`;
    case 'staff.two_factor_enabled':
      return 'Turned on two-factor sign-in';
    case 'staff.two_factor_disabled':
      return 'Turned off two-factor sign-in';
    case 'staff.two_factor_failed':
      return `Entered a wrong two-factor code as ${who}`;
    case 'staff.recovery_codes_regenerated':
      return 'Made new two-factor recovery codes';
    case 'staff.session_revoked':
      return d.current ? 'Signed out this device from the session list' : 'Signed out another of their devices';
    case 'user.two_factor_reset':
      return `Turned off two-factor sign-in for ${who}`;
    case 'contact.exported':
      return `Exported the personal data of ${e.target?.type === 'visitor' ? 'the visitor' : 'the customer'} ${e.target?.name ?? 'an erased contact'}`;
    case 'contact.erased': {
      const plural = (n: unknown, word: string) => `${text(n)} ${word}${n === 1 ? '' : 's'}`;
      return `Erased the personal data of a ${e.target?.type ?? 'contact'} (${plural(d.conversations, 'conversation')}, ${plural(d.files, 'file')})`;
    }
    default:
      return e.action;
  }
}

/** Shapes an audit entry for the screen; the stored entry (action code, raw details) stays as it is. */
export function presentAuditEntry(e: AuditEntry): AuditEntryView {
  const changes = Array.isArray(e.details.changes) ? (e.details.changes as AuditChange[]) : [];
  return {
    ...e,
    summary: summaryOf(e),
    changes: changes.map((c) => ({ field: labelOf(c.field), before: text(c.before), after: text(c.after) })),
    facts: Object.entries(e.details)
      .filter(([k, v]) => !NOT_FACTS.has(k) && v !== undefined && v !== null)
      .map(([k, v]) => ({ label: labelOf(k), value: text(v) })),
  };
}
