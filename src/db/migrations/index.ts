/**
 * The ordered list of migrations. Names are timestamps so they sort in the order they were written;
 * a migration, once released, is never edited: add a new one.
 */
import type { Migration } from 'kysely';
import * as foundation from './2026-11-23T0000-foundation.js';
import * as identity from './2026-11-23T0100-identity.js';
import * as conversationKeys from './2026-11-23T0200-conversation-keys.js';
import * as schedule from './2026-11-23T0300-schedule.js';
import * as conversations from './2026-11-23T0400-conversations.js';
import * as attachments from './2026-11-23T0500-attachments.js';
import * as desk from './2026-11-23T0600-desk.js';
import * as offlineContinuity from './2026-11-25T0000-offline-continuity.js';
import * as appendFunction from './2026-12-07T0000-append-function.js';
import * as outbox from './2026-12-07T0100-outbox.js';
import * as widget from './2026-12-07T0200-widget.js';
import * as routing from './2026-12-07T0300-routing.js';
import * as contacts from './2026-12-07T0310-contacts.js';
import * as deskSearch from './2026-12-07T0400-desk-search.js';
import * as integrations from './2026-12-07T0500-integrations.js';
import * as staffTwoFactor from './2026-12-07T0600-staff-two-factor.js';

export const migrations: Record<string, Migration> = {
  '2026-11-23T0000-foundation': foundation,
  '2026-11-23T0100-identity': identity,
  '2026-11-23T0200-conversation-keys': conversationKeys,
  '2026-11-23T0300-schedule': schedule,
  '2026-11-23T0400-conversations': conversations,
  '2026-11-23T0500-attachments': attachments,
  '2026-11-23T0600-desk': desk,
  '2026-11-25T0000-offline-continuity': offlineContinuity,
  '2026-12-07T0000-append-function': appendFunction,
  '2026-12-07T0100-outbox': outbox,
  '2026-12-07T0200-widget': widget,
  '2026-12-07T0300-routing': routing,
  '2026-12-07T0310-contacts': contacts,
  '2026-12-07T0400-desk-search': deskSearch,
  '2026-12-07T0500-integrations': integrations,
  '2026-12-07T0600-staff-two-factor': staffTwoFactor,
};
