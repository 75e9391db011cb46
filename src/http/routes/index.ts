import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../core/context.js';
import { adminScheduleRoutes } from './admin-schedule.routes.js';
import { adminUsersRoutes } from './admin-users.routes.js';
import { continuityRoutes } from './continuity.routes.js';
import { attachmentRoutes, staffAttachmentRoutes } from './attachments.routes.js';
import { conversationRoutes, staffConversationRoutes } from './conversations.routes.js';
import { deskRoutes } from './desk.routes.js';
import { healthRoutes, metricsRoutes } from './health.routes.js';
import { publicAuthRoutes } from './public-auth.routes.js';
import { settingsRoutes } from './settings.routes.js';
import { staffAuthRoutes } from './staff-auth.routes.js';
import { statusRoutes } from './status.routes.js';
import { customerSessionRoutes, staffSessionRoutes } from './account-sessions.routes.js';
import { twoFactorRoutes } from './two-factor.routes.js';
import { adminPrivacyRoutes, customerPrivacyRoutes } from './privacy.routes.js';

/** Which listener a route belongs to when STAFF_PORT splits the product over two ports. */
export type Side = 'public' | 'staff';

export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface RouteModule {
  name: string;
  sides: readonly Side[];
  register(app: TypedApp, ctx: AppContext): void | Promise<void>;
}

/** Every route file, one per resource. Order does not matter. */
export const routeModules: readonly RouteModule[] = [
  healthRoutes,
  metricsRoutes,
  settingsRoutes,
  statusRoutes,
  publicAuthRoutes,
  staffAuthRoutes,
  adminUsersRoutes,
  adminScheduleRoutes,
  conversationRoutes,
  staffConversationRoutes,
  deskRoutes,
  continuityRoutes,
  attachmentRoutes,
  staffAttachmentRoutes,
  customerSessionRoutes,
  staffSessionRoutes,
  twoFactorRoutes,
  adminPrivacyRoutes,
  customerPrivacyRoutes,
];
