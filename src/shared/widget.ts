/**
 * The embeddable widget's wire shapes, shared by the server, the admin screen, the frame and the loader.
 * See docs/widget.md.
 */
import { z } from 'zod';
import { statusResponseSchema } from './schedule.schemas.js';

/**
 * An embedding origin as the browser sends it in `Origin` and as CSP's frame-ancestors names it: scheme, host and
 * port, lower case, no path. `https://Shop.example/` → `https://shop.example`. Undefined when it is not one.
 */
export function normalizeOrigin(input: string): string | undefined {
  const text = input.trim();
  if (!/^https?:\/\//i.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    return undefined;
  // Wildcards and other characters CSP would read differently are not origins.
  if (!/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) return undefined;
  return url.origin;
}

export const originSchema = z
  .string()
  .max(300)
  .transform((value, ctx) => {
    const origin = normalizeOrigin(value);
    if (origin === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an origin such as https://shop.example (scheme, host and optional port; no path)',
        params: { code: 'origin_invalid' },
      });
      return z.NEVER;
    }
    return origin;
  });

export const siteInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'Give the site a name.').max(100),
  origins: z
    .array(originSchema)
    .min(1, 'Add at least one origin.')
    .max(20)
    .transform((list) => [...new Set(list)]),
});
export type SiteInput = z.input<typeof siteInputSchema>;

export const siteViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  origins: z.array(z.string()),
  /** The secret masked ("••••abcd"); the whole secret is shown only once, when created or rotated. */
  secretMasked: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  secretRotatedAt: z.string(),
});
export type SiteView = z.infer<typeof siteViewSchema>;

export const WIDGET_POSITIONS = ['right', 'left'] as const;
export const OFFLINE_BEHAVIORS = ['form', 'hide', 'next_opening'] as const;
export type OfflineBehavior = (typeof OFFLINE_BEHAVIORS)[number];

export const appearanceSchema = z.object({
  title: z.string(),
  color: z.string(),
  greeting: z.string(),
  position: z.enum(WIDGET_POSITIONS),
  offlineBehavior: z.enum(OFFLINE_BEHAVIORS),
});
export type WidgetAppearance = z.infer<typeof appearanceSchema>;

/**
 * `online`: open and someone at a desk; `away`: open by the schedule but no agent online; `closed`: outside hours.
 * Away and closed both get the configured offline behaviour.
 */
export const AVAILABILITY_STATES = ['online', 'away', 'closed'] as const;
export type AvailabilityState = (typeof AVAILABILITY_STATES)[number];

export const widgetConfigSchema = z.object({
  site: z.string(),
  /**
   * Whether the page asking (its `Origin`) may embed this site's widget: true, false (the loader then says why in
   * the console and shows nothing), or null when the request carried no Origin (same-origin, or not a browser).
   */
  allowed: z.boolean().nullable(),
  /** Why not, in words for the host page's console (only when `allowed` is false). */
  refusal: z.string().nullable(),
  serviceName: z.string(),
  appearance: appearanceSchema,
  availability: z.object({ state: z.enum(AVAILABILITY_STATES), status: statusResponseSchema }),
});
export type WidgetConfig = z.infer<typeof widgetConfigSchema>;

export const identifyRequestSchema = z.strictObject({
  site: z.string().min(1).max(100),
  token: z.string().min(1).max(4096),
});

export const contactViewSchema = z.object({ name: z.string().nullable(), email: z.string().nullable() });
export type ContactView = z.infer<typeof contactViewSchema>;

export { foregroundFor } from './widget-color.js';

/** Messages between the loader (host page) and the frame, over postMessage with an exact target origin. */
export type HostToFrame =
  | { sc: 'widget'; type: 'identify'; token: string }
  /** The session the loader keeps for a frame that may not use its own storage (see FrameToHost 'persist'). */
  | { sc: 'widget'; type: 'restore'; session: string | null }
  | { sc: 'widget'; type: 'reset' }
  | { sc: 'widget'; type: 'visibility'; open: boolean };

export type FrameToHost =
  | { sc: 'widget'; type: 'ready' }
  /**
   * The browser denies the frame its own storage (third-party storage blocked): the frame asks the loader to keep
   * its session token in the host page's storage ('persist') and to hand it back when the frame loads ('restore').
   */
  | { sc: 'widget'; type: 'needSession' }
  | { sc: 'widget'; type: 'persist'; session: string | null }
  | { sc: 'widget'; type: 'state'; unread: number; hasConversation: boolean }
  | { sc: 'widget'; type: 'close' }
  | { sc: 'widget'; type: 'identified'; ok: boolean; code?: string; message?: string }
  | { sc: 'widget'; type: 'availability'; state: AvailabilityState; nextAvailableAt: string | null }
  | {
      sc: 'widget';
      type: 'message';
      message: {
        conversationId: string;
        seq: number;
        from: 'team' | 'system';
        author: string;
        text: string | null;
        createdAt: string;
      };
    };

/** A bridge message without its `sc` marker (added by the sender), per member of the union. */
export type BridgeBody<T> = T extends unknown ? Omit<T, 'sc'> : never;
