/**
 * The product's services, built once per app (no singletons). HTTP routes, socket handlers, jobs and
 * CLI commands all call these, so a rule lives in exactly one place.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Config } from '../config/config.js';
import type { Db, Dialect } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import { AuditService } from './audit/audit.service.js';
import { AccountMailService } from './identity/account-mail.service.js';
import { AuthService } from './identity/auth.service.js';
import { LoginThrottle } from './identity/login-throttle.js';
import { PasswordHasher } from './identity/password-hasher.js';
import { SessionService } from './identity/session.service.js';
import { UserService } from './identity/user.service.js';
import { TwoFactorService } from './identity/two-factor.service.js';
import { Mailer } from './mail/mailer.js';
import { KeyService } from './keys/key.service.js';
import { ScheduleService } from './schedule/schedule.service.js';
import { ConversationService } from './conversations/conversation.service.js';
import { MessageWriter } from './conversations/message-writer.js';
import type { BatchAppender } from './conversations/append/batch-appender.js';
import { PgAppender } from './conversations/append/pg-appender.js';
import { SqliteAppender } from './conversations/append/sqlite-appender.js';
import type { SqliteWriterThread } from '../db/sqlite/writer-thread.js';
import { createLimiter } from '../core/rate-limiter.js';
import { CannedReplyService } from './canned/canned.service.js';
import { DeskService } from './desk/desk.service.js';
import { MessageLogService } from './message-logs/message-log.service.js';
import { TopicService } from './topics/topic.service.js';
import { OverviewService } from './overview/overview.service.js';
import { SettingsService } from './settings/settings.service.js';
import { PresenceService } from './presence/presence.service.js';
import { REPLY_MAIL_TOPIC, ReplyMailService } from './continuity/reply-mail.service.js';
import type { JobsRunner } from '../jobs/jobs-runner.js';
import { ResumeService } from './continuity/resume.service.js';
import { TranscriptService } from './continuity/transcript.service.js';
import { RetentionService } from './retention/retention.service.js';
import { AttachmentService } from './attachments/attachment.service.js';
import type { AttachmentStorage } from './attachments/attachment.storage.js';
import { LocalDiskStorage } from './attachments/local-disk.storage.js';
import { join } from 'node:path';
import { TeamService } from './routing/team.service.js';
import { AssignmentService } from './routing/assignment.service.js';
import { teamsOfConversations } from './routing/routing.repository.js';
import { ContactService } from './contacts/contact.service.js';
import { WidgetService } from './widget/widget.service.js';
import { ApiTokenService } from './api-tokens/api-token.service.js';
import { WebhookEndpointService } from './webhooks/webhook-endpoint.service.js';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service.js';
import { LabelService } from './labels/label.service.js';
import { SnoozeService } from './snooze/snooze.service.js';
import { CsatService } from './csat/csat.service.js';
import { SearchService } from './search/search.service.js';
import { ReportService } from './reports/report.service.js';
import { DataExportService } from './privacy/data-export.service.js';
import { ErasureService } from './privacy/erasure.service.js';
import { PrivacyService } from './privacy/privacy.service.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  dialect: Dialect;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Shared counters (rate limits) across instances; undefined on a single instance. */
  redis: Redis | undefined;
  /** Where attachment bytes go; by default LocalDiskStorage in DATA_DIR/attachments. */
  storage?: AttachmentStorage;
  /** SQLite: the writer thread (`DatabaseHandle.sqliteWriter`), where group commit runs. */
  sqliteWriter?: SqliteWriterThread;
  /** The jobs runner: services ask it for early runs of their tasks (src/jobs/register-jobs.ts registers them). */
  jobs: JobsRunner;
}

/** The group-commit writer's database side: the SQLite writer thread, or PostgreSQL's one-round-trip function. */
function createAppender(deps: ServiceDeps): BatchAppender {
  if (deps.dialect === 'postgres') return new PgAppender(deps.db);
  if (!deps.sqliteWriter) throw new Error('SQLite needs its writer thread (DatabaseHandle.sqliteWriter)');
  return new SqliteAppender(deps.sqliteWriter);
}

/**
 * Parallel writer lanes: PostgreSQL commits batches of different conversations at once, one connection each, and
 * keeps at least half the pool for everything else; SQLite has one writer.
 */
function writerLanes(config: Config): number {
  // PostgreSQL: two serial writers (a conversation always goes to the same one, so its order holds), each a pool
  // connection, so a queued batch never waits behind a single connection. Not more: a lane that starts a batch
  // while the others are committing makes every batch smaller, and the database's cost is mostly per batch. Measured
  // (docs/benchmarks.md, closed-loop throughput): 5 lanes 2,642/s, 2 lanes 3,702/s, 1 lane 3,706/s.
  return config.database.kind === 'postgres' ? Math.max(1, Math.min(2, Math.floor(config.database.poolSize / 2))) : 1;
}

/** The default attachment storage: a folder of the data directory (a shared volume for several instances). */
export function defaultAttachmentStorage(config: Config): AttachmentStorage {
  return new LocalDiskStorage(join(config.dataDir, 'attachments'));
}

export interface Services {
  settings: SettingsService;
  audit: AuditService;
  mailer: Mailer;
  sessions: SessionService;
  users: UserService;
  auth: AuthService;
  /** Staff two-factor sign-in (TOTP and recovery codes). */
  twoFactor: TwoFactorService;
  accountMail: AccountMailService;
  hasher: PasswordHasher;
  /** Encryption at rest: call `keys.initialise()` (after migrating) before anything encrypts or decrypts. */
  keys: KeyService;
  schedule: ScheduleService;
  /** The group-commit writer of the send path (drained on shutdown). */
  writer: MessageWriter;
  conversations: ConversationService;
  desk: DeskService;
  canned: CannedReplyService;
  topics: TopicService;
  messageLogs: MessageLogService;
  overview: OverviewService;
  /** Who is connected (agents online; visitors reachable live), across instances with Redis. */
  presence: PresenceService;
  /** Offline continuity: reply e-mails to visitors who are away, resume links, transcripts. */
  replyMail: ReplyMailService;
  resume: ResumeService;
  transcripts: TranscriptService;
  /** Purges old closed/left conversations (CLI `cleanup-chats`, and daily when `retention.days` is set). */
  retention: RetentionService;
  /** Call `storage.initialise()` at start; the janitor sweeps unsent uploads and orphaned files. */
  storage: AttachmentStorage;
  attachments: AttachmentService;
  /** Teams, agents' availability and capacity, which queues each staff member sees. */
  teams: TeamService;
  /** Automatic assignment, passing unanswered assignments on, transfers. */
  assignment: AssignmentService;
  /** The desk's contact panel: who a conversation is with, their past conversations, staff notes about them. */
  contacts: ContactService;
  /** The embeddable widget: allowed sites, their identity secrets, host-signed identity. */
  widget: WidgetService;
  /** Integrations: API tokens (a principal of their own), webhook endpoints and their deliveries. */
  apiTokens: ApiTokenService;
  webhookEndpoints: WebhookEndpointService;
  /** Call `webhookEndpoints.initialise()` at start (the subscription cache). */
  webhooks: WebhookDeliveryService;
  /** The desk's tools (issue 15, part B): labels, snooze, satisfaction ratings, search, reports. */
  labels: LabelService;
  snooze: SnoozeService;
  csat: CsatService;
  search: SearchService;
  reports: ReportService;
  /** GDPR: a contact's data summary, export (zip) and erasure. */
  privacy: PrivacyService;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, db, dialect, bus, clock, logger, redis } = deps;
  const audit = new AuditService({ db, clock });
  const settings = new SettingsService({ ...deps, audit });
  const keys = new KeyService(deps);
  const schedule = new ScheduleService(deps);
  const mailer = new Mailer(config.mail, logger);
  const hasher = new PasswordHasher(config.passwordHashing);
  const sessions = new SessionService({ db, bus, clock });
  const throttle = new LoginThrottle(redis, config.redis?.keyPrefix);
  const users = new UserService({ db, dialect, bus, clock, logger, hasher, sessions, audit, settings });
  const twoFactor = new TwoFactorService({ db, bus, clock, keys, hasher, sessions, audit, throttle, settings });
  const auth = new AuthService({ db, bus, clock, hasher, sessions, audit, throttle, twoFactor });
  const accountMail = new AccountMailService({ db, bus, clock, logger, mailer, hasher, sessions, audit, settings });
  const writer = new MessageWriter({ appender: createAppender(deps), bus, logger, lanes: writerLanes(config) });
  const messageLimiter = createLimiter(
    { name: 'messages', points: config.limits.messagesPer10Seconds, durationSeconds: 10 },
    redis,
    config.redis?.keyPrefix,
  );
  const storage = deps.storage ?? defaultAttachmentStorage(config);
  const attachments = new AttachmentService({ db, clock, logger, keys, settings, storage });
  const apiTokens = new ApiTokenService({ db, bus, clock, audit });
  const webhookEndpoints = new WebhookEndpointService({ db, bus, clock, logger, keys, audit });
  const webhooks = new WebhookDeliveryService({
    config,
    db,
    bus,
    clock,
    logger,
    keys,
    attachments,
    audit,
    endpoints: webhookEndpoints,
    jobs: deps.jobs,
  });
  const conversations = new ConversationService({
    db,
    dialect,
    bus,
    clock,
    logger,
    keys,
    writer,
    settings,
    attachments,
    messageLimiter,
    schedule,
    // An agent's reply may have to reach a visitor who is away by e-mail: queued in the reply's own transaction.
    // A webhook event too, when some endpoint subscribes to message.created (per-instance subscription cache).
    messageEffects: (m) => [
      ...(mailer.isConfigured && m.authorType === 'staff' && m.kind === 'text'
        ? [{ topic: REPLY_MAIL_TOPIC, onlyWithEmail: true }]
        : []),
      ...webhooks.messageEffects(m),
    ],
    // Lifecycle webhook events (created, assigned, closed) are written in the change's own transaction.
    conversationEffects: (uow, change) => webhooks.onConversationChange(uow, change),
  });
  const presence = new PresenceService({ redis, keyPrefix: config.redis?.keyPrefix ?? 'sc', bus, logger });
  const teams = new TeamService({ db, bus, clock, audit, presence });
  // Agents online = desks open on any instance, less the staff who set themselves away.
  schedule.setAgentsOnlineProvider(() => teams.agentsOnline());
  const assignment = new AssignmentService({ db, clock, logger, conversations, presence, settings });
  conversations.hooks.started.push(assignment.onStarted);
  conversations.hooks.beforeJoin.push(assignment.beforeJoin);
  const contacts = new ContactService({ db, bus, clock, logger, keys, audit, conversations });
  conversations.hooks.started.push(contacts.onStarted);
  const resume = new ResumeService({ db, bus, clock, sessions });
  const replyMail = new ReplyMailService({
    config,
    db,
    bus,
    clock,
    logger,
    mailer,
    presence,
    conversations,
    settings,
    resume,
    jobs: deps.jobs,
  });
  const transcripts = new TranscriptService({
    db,
    clock,
    logger,
    mailer,
    conversations,
    settings,
    timezone: config.supportTimezone,
  });
  const retention = new RetentionService({
    db,
    bus,
    clock,
    logger,
    conversations,
    settings,
    timezone: config.supportTimezone,
  });

  // Account changes reach conversations inside the same transaction.
  auth.hooks.visitorLinked.push((uow, visitorId, customer) => conversations.attachVisitor(uow, visitorId, customer));
  users.hooks.staffDeactivated.push((uow, user) => conversations.removeAgentEverywhere(uow, user));
  users.hooks.userDeleting.push((uow, user) =>
    user.role === 'customer'
      ? conversations.eraseCustomer(uow, user.id)
      : conversations.removeAgentEverywhere(uow, user),
  );
  // A deleted customer's contact notes go too (their key shredded), in the same transaction.
  users.hooks.userDeleting.push((uow, user) =>
    user.role === 'customer' ? contacts.eraseContact(uow, `customer:${user.id}`) : Promise.resolve(),
  );
  const desk = new DeskService({ db, bus, clock, conversations, teamsOf: (ids) => teamsOfConversations(db, ids) });
  // A staff member's TOTP secret has a data key of its own: it goes with the account.
  users.hooks.userDeleting.push(async (uow, user) => {
    if (user.role !== 'customer') await twoFactor.remove(uow, user.id);
  });
  const canned = new CannedReplyService({ db, clock, audit });
  const topics = new TopicService({ db, clock, audit });
  const overview = new OverviewService({
    db,
    clock,
    timezone: config.supportTimezone,
    agentsOnline: () => schedule.agentsOnline(),
  });
  const messageLogs = new MessageLogService({
    db,
    conversations,
    audit,
    agentTitle: () => settings.get('branding.agentTitle'),
  });
  const widget = new WidgetService({
    db,
    bus,
    clock,
    logger,
    keys,
    audit,
    sessions,
    settings,
    schedule,
    conversations,
  });
  const labels = new LabelService({ db, bus, clock, audit, conversations });
  const snooze = new SnoozeService({ db, dialect, bus, clock, logger, conversations });
  const csat = new CsatService({ db, bus, clock, keys, settings, conversations });
  webhooks.setCsatSource((conversationId) => csat.viewOf(conversationId));
  const search = new SearchService({
    db,
    conversations,
    settings,
    timezone: config.supportTimezone,
    now: () => clock.now(),
  });
  const reports = new ReportService({ db, timezone: config.supportTimezone });
  const privacy = new PrivacyService({
    db,
    hasher,
    throttle,
    exporter: new DataExportService({ db, clock, logger, conversations, attachments, storage, keys, audit }),
    erasure: new ErasureService({ db, bus, audit, users, conversations }),
  });
  return {
    privacy,
    widget,
    labels,
    snooze,
    csat,
    search,
    reports,
    settings,
    audit,
    mailer,
    sessions,
    users,
    auth,
    twoFactor,
    accountMail,
    hasher,
    keys,
    schedule,
    writer,
    conversations,
    desk,
    canned,
    topics,
    messageLogs,
    overview,
    presence,
    replyMail,
    resume,
    transcripts,
    retention,
    storage,
    attachments,
    teams,
    assignment,
    contacts,
    apiTokens,
    webhookEndpoints,
    webhooks,
  };
}
