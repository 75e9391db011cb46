import type { AttachmentView } from '../../../../src/shared/attachments.js';

/** Drafts and unsent messages survive reloads: they live in this browser's localStorage. */
const get = <T>(key: string, fallback: T): T => {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
};
const set = (key: string, value: unknown) => {
  try {
    if (value === '' || (Array.isArray(value) && value.length === 0)) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Private mode or a full quota: drafts are a convenience, never a failure.
  }
};

export const drafts = {
  load: (scope: string): string => get(`sc-draft:${scope}`, ''),
  save: (scope: string, text: string) => set(`sc-draft:${scope}`, text),
};

export interface OutboxItem {
  clientMsgId: string;
  text: string;
  createdAt: string;
  note?: boolean;
  /** Files uploaded already, sent with the message by id (metadata kept to show them while sending). */
  attachments?: AttachmentView[];
}

/** Messages typed but not yet acknowledged: resent (same client id, so never duplicated) after a reconnect. */
export const outbox = {
  load: (conversationId: string): OutboxItem[] => get(`sc-outbox:${conversationId}`, []),
  save: (conversationId: string, items: OutboxItem[]) => set(`sc-outbox:${conversationId}`, items),
};
