import { z } from 'zod';
import type { RouteModule } from './route-module.js';

const publicSettings = z.object({
  serviceName: z.string(),
  agentTitle: z.string(),
  /** The start form requires an e-mail address while support is closed. */
  emailRequiredWhileClosed: z.boolean(),
  /**
   * Whether this server can send e-mail (SMTP_URL set): without it, nothing that depends on mail is offered
   * (transcript by e-mail, reply e-mails to away visitors, password reset links).
   */
  mailConfigured: z.boolean(),
  /** The attachment rules, so the browser can refuse a file before uploading it (the server checks again). */
  attachments: z.object({
    maxFileBytes: z.number(),
    maxMessageBytes: z.number(),
    maxFiles: z.number(),
    allowedExtensions: z.array(z.string()),
    maxImagePixels: z.number(),
  }),
});

export const settingsRoutes: RouteModule = {
  name: 'settings',
  sides: ['public', 'staff'],
  register(app, ctx) {
    app.get(
      '/api/settings/public',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['settings'],
          summary:
            'Branding every page shows (service name, agent title), the start form’s rules, whether e-mail can be sent, and the attachment rules',
          response: { 200: publicSettings },
        },
      },
      async () => {
        const values = await ctx.services.settings.readPublic();
        return {
          serviceName: values['branding.serviceName'] ?? '',
          agentTitle: values['branding.agentTitle'] ?? '',
          emailRequiredWhileClosed: values['conversations.emailRequiredWhileClosed'] ?? false,
          mailConfigured: ctx.services.mailer.isConfigured,
          attachments: ctx.services.attachments.limits(),
        };
      },
    );
  },
};
