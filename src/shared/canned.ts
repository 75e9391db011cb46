/** Canned replies: shared by the admin screen (validation) and the desk (insertion with variables). */
import { z } from 'zod';

export interface CannedReplyView {
  id: string;
  title: string;
  shortcut: string;
  body: string;
}

export const cannedReplyInputSchema = z.strictObject({
  title: z.string().trim().min(1, 'is required').max(80, 'must be at most 80 characters'),
  shortcut: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1–32 letters, digits, "-" or "_" (typed as /shortcut)'),
  body: z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters'),
});

export interface CannedVariables {
  visitorName: string;
  agentName: string;
  agentTitle: string;
}

/**
 * Fills in {{visitor.name}}, {{agent.name}} and {{agent.title}}. Nothing else is interpreted: any other {{…}} stays
 * as typed, and the result is plain text (the composer and the transcript render text, never HTML).
 */
export function renderCannedReply(body: string, vars: CannedVariables): string {
  const values: Record<string, string> = {
    'visitor.name': vars.visitorName,
    'agent.name': vars.agentName,
    'agent.title': vars.agentTitle,
  };
  return body.replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/g, (match, key: string) => values[key] ?? match);
}

/** A composer text that is exactly "/shortcut" (optionally followed by a space) names a canned reply. */
export function shortcutIn(text: string): string | undefined {
  return /^\/([a-z0-9][a-z0-9_-]{0,31})\s?$/i.exec(text)?.[1]?.toLowerCase();
}
