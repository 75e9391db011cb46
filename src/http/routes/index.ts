import type { RouteModule } from './route-module.js';
import { adminScheduleRoutes } from './admin-schedule.routes.js';
import { adminUsersRoutes } from './admin-users.routes.js';
import { continuityRoutes } from './continuity.routes.js';
import { attachmentRoutes, staffAttachmentRoutes } from './attachments.routes.js';
import { conversationRoutes, staffConversationRoutes } from './conversations.routes.js';
import { deskRoutes } from './desk.routes.js';
import { csatRoutes, deskToolRoutes } from './desk-tools.routes.js';
import { healthRoutes, metricsRoutes } from './health.routes.js';
import { apiTokenRoutes, webhookRoutes } from './integrations.routes.js';
import { publicAuthRoutes } from './public-auth.routes.js';
import { settingsRoutes } from './settings.routes.js';
import { staffAuthRoutes } from './staff-auth.routes.js';
import { statusRoutes } from './status.routes.js';
import { routingRoutes } from './routing.routes.js';
import { contactRoutes } from './contacts.routes.js';
import { adminWidgetRoutes, widgetRoutes } from './widget.routes.js';
import { customerSessionRoutes, staffSessionRoutes } from './account-sessions.routes.js';
import { twoFactorRoutes } from './two-factor.routes.js';
import { adminPrivacyRoutes, customerPrivacyRoutes } from './privacy.routes.js';

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
  deskToolRoutes,
  csatRoutes,
  continuityRoutes,
  attachmentRoutes,
  staffAttachmentRoutes,
  routingRoutes,
  contactRoutes,
  widgetRoutes,
  adminWidgetRoutes,
  apiTokenRoutes,
  webhookRoutes,
  customerSessionRoutes,
  staffSessionRoutes,
  twoFactorRoutes,
  adminPrivacyRoutes,
  customerPrivacyRoutes,
];
