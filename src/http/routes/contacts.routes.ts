import { z } from 'zod';
import {
  contactConversationsQuerySchema,
  contactKeySchema,
  contactNoteInputSchema,
  contactNotesQuerySchema,
} from '../../shared/contacts.js';
import { requestMeta } from '../auth/authenticate.js';
import { requireStaff } from '../auth/guards.js';
import type { RouteModule } from './route-module.js';

const ok = z.object({ ok: z.literal(true) });
const contactParams = z.object({ key: contactKeySchema });
const noteParams = z.object({ key: contactKeySchema, noteId: z.string().min(1).max(64) });
const contactView = z.object({
  key: z.string(),
  kind: z.enum(['visitor', 'customer']),
  name: z.string(),
  email: z.string().nullable(),
  emailVerified: z.boolean(),
  identityVerified: z.boolean(),
  verifiedBy: z.string().nullable(),
  firstSeen: z.string(),
  conversations: z.number(),
});
const panelView = z.object({
  conversationId: z.string(),
  contact: contactView,
  origin: z
    .object({
      pageUrl: z.string().nullable(),
      browser: z.string().nullable(),
      os: z.string().nullable(),
      device: z.string().nullable(),
    })
    .nullable(),
  team: z.object({ id: z.string(), name: z.string() }).nullable(),
  assignedTo: z.object({ userId: z.string(), name: z.string() }).nullable(),
});
const noteView = z.object({
  id: z.string(),
  text: z.string().nullable(),
  author: z.object({ id: z.string().nullable(), name: z.string() }),
  createdAt: z.string(),
  updatedAt: z.string(),
  canEdit: z.boolean(),
});

/** The desk's contact panel: the contact of a conversation, their past conversations, staff notes about them. */
export const contactRoutes: RouteModule = {
  name: 'contacts',
  sides: ['staff'],
  register(app, ctx) {
    const tags = ['staff: contacts'];
    const { contacts } = ctx.services;
    const staffActor = async (
      request: Parameters<typeof requestMeta>[0],
      reply: Parameters<typeof requireStaff>[2],
    ) => {
      const staff = await requireStaff(ctx, request, reply);
      return { staff, actor: { id: staff.userId, name: staff.username, ip: requestMeta(request).ip } };
    };

    app.get(
      '/api/staff/conversations/:id/contact',
      {
        schema: {
          tags,
          summary: 'Who the conversation is with, where it started (page, browser; no IP), its team and agent',
          params: z.object({ id: z.string().min(1).max(64) }),
          response: { 200: panelView },
        },
      },
      async (request, reply) => contacts.panel(await requireStaff(ctx, request, reply), request.params.id),
    );
    app.get(
      '/api/staff/contacts/:key/conversations',
      {
        schema: {
          tags,
          summary: 'A contact’s conversations, newest first, with the question each started with (keyset pages)',
          params: contactParams,
          querystring: contactConversationsQuerySchema,
        },
      },
      async (request, reply) => {
        await requireStaff(ctx, request, reply);
        return contacts.conversations(request.params.key, request.query);
      },
    );
    app.get(
      '/api/staff/contacts/:key/notes',
      {
        schema: {
          tags,
          summary: 'Staff notes about a contact, newest first (paged)',
          params: contactParams,
          querystring: contactNotesQuerySchema,
          response: {
            200: z.object({ items: z.array(noteView), total: z.number(), page: z.number(), pageSize: z.number() }),
          },
        },
      },
      async (request, reply) =>
        contacts.notes(await requireStaff(ctx, request, reply), request.params.key, request.query),
    );
    app.post(
      '/api/staff/contacts/:key/notes',
      {
        schema: {
          tags,
          summary: 'Add a note about a contact (staff only; audited)',
          params: contactParams,
          body: contactNoteInputSchema,
          response: { 201: noteView },
        },
      },
      async (request, reply) => {
        const { staff, actor } = await staffActor(request, reply);
        return reply.status(201).send(await contacts.addNote(staff, actor, request.params.key, request.body.text));
      },
    );
    app.put(
      '/api/staff/contacts/:key/notes/:noteId',
      {
        schema: {
          tags,
          summary: 'Edit a note (its author or an admin; audited)',
          params: noteParams,
          body: contactNoteInputSchema,
          response: { 200: noteView },
        },
      },
      async (request, reply) => {
        const { staff, actor } = await staffActor(request, reply);
        return contacts.editNote(staff, actor, request.params.key, request.params.noteId, request.body.text);
      },
    );
    app.delete(
      '/api/staff/contacts/:key/notes/:noteId',
      {
        schema: {
          tags,
          summary: 'Delete a note (its author or an admin; audited)',
          params: noteParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        const { staff, actor } = await staffActor(request, reply);
        await contacts.deleteNote(staff, actor, request.params.key, request.params.noteId);
        return { ok: true as const };
      },
    );
  },
};
