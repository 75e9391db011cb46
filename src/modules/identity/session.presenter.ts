import Bowser from 'bowser';
import type { SessionRow } from './session.repository.js';

/** A session as its owner sees it in a session list. */
export interface SessionView {
  id: string;
  /** "Chrome 156 on Linux (desktop)", from the user agent; "Unknown device" without one. */
  device: string;
  ip: string | null;
  createdAt: string;
  /** Approximate: refreshed at most every 5 minutes of use. */
  lastSeenAt: string;
  expiresAt: string;
  /** The session of the browser asking. */
  current: boolean;
}

/** Browser, version and system in words (bowser parses the user agent; nothing of it is trusted for security). */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const parsed = Bowser.parse(userAgent);
  const browser = [parsed.browser.name, parsed.browser.version?.split('.')[0]].filter(Boolean).join(' ');
  const os = [parsed.os.name, parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(' ');
  const kind = parsed.platform.type ? ` (${parsed.platform.type})` : '';
  if (!browser && !os) return userAgent.slice(0, 60);
  return `${browser || 'A browser'}${os ? ` on ${os}` : ''}${kind}`;
}

export function presentSession(row: SessionRow, currentSessionId: string): SessionView {
  return {
    id: row.id,
    device: describeDevice(row.userAgent),
    ip: row.ip,
    createdAt: new Date(row.createdAt).toISOString(),
    lastSeenAt: new Date(row.lastSeenAt).toISOString(),
    expiresAt: new Date(row.expiresAt).toISOString(),
    current: row.id === currentSessionId,
  };
}
