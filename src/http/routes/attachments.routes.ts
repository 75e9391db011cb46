import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../core/context.js';
import type { OpenedAttachment } from '../../modules/attachments/attachment.service.js';
import type { ConversationRow } from '../../modules/conversations/conversation.repository.js';
import type { PublicPrincipal, StaffPrincipal } from '../../modules/identity/principal.js';
import { contentDisposition } from '../../modules/attachments/content-disposition.js';
import { requirePublicPrincipal, requireStaff } from '../auth/guards.js';
import { httpRateLimits } from '../rate-limits.js';
import { incomingFiles, settleUploadBody } from '../upload-body.js';
import type { RouteModule, TypedApp } from './route-module.js';

const conversationParams = z.object({ id: z.string().min(1).max(64) });
const attachmentParams = z.object({ id: z.string().min(1).max(64), attachmentId: z.string().min(1).max(64) });
const downloadQuery = z.object({
  /** `1`: show a safe image (png, jpeg, gif, webp within the preview cap) inline; everything else downloads. */
  inline: z.enum(['0', '1', 'true', 'false']).optional(),
});

export const attachmentViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number(),
  mime: z.string(),
  isImage: z.boolean(),
});
const uploadResponse = z.object({ attachments: z.array(attachmentViewSchema) });

/** Isolates whatever the browser renders from this response: no scripts, no plugins, no same-origin access. */
export const DOWNLOAD_CSP = "sandbox; default-src 'none'";

type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * One `bytes=` range of RFC 9110 (`a-b`, `a-`, `-n`). Several ranges, or a header we do not understand, are
 * ignored (the whole file is sent, as the RFC allows); a range beyond the end is unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): Range {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, from, to] = match as unknown as [string, string, string];
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  if (start >= size) return 'unsatisfiable';
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (end < start) return undefined;
  return { start, end };
}

/**
 * Sends a decrypted file with the headers that keep it from being interpreted on our origin: attachment unless a
 * safe preview was asked for, nosniff, a sandboxing CSP, no caching by shared caches; byte ranges for media.
 */
function sendAttachment(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  opened: OpenedAttachment,
  inline: boolean,
): FastifyReply {
  const { view, bytes } = opened;
  const asInline = inline && ctx.services.attachments.isPreviewable(opened);
  void reply
    .header('content-type', opened.contentType)
    .header('content-disposition', contentDisposition(view.name, asInline ? 'inline' : 'attachment'))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', DOWNLOAD_CSP)
    .header('cross-origin-resource-policy', 'same-origin')
    .header('cache-control', 'private, no-store')
    .header('accept-ranges', 'bytes');
  const range = parseRange(request.headers.range, bytes.length);
  if (range === 'unsatisfiable') {
    return reply.status(416).header('content-range', `bytes */${bytes.length}`).send(Buffer.alloc(0));
  }
  if (range) {
    return reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${bytes.length}`)
      .send(bytes.subarray(range.start, range.end + 1));
  }
  return reply.status(200).send(bytes);
}

function registerAttachmentRoutes(
  app: TypedApp,
  ctx: AppContext,
  side: { prefix: string; tags: string[]; who: string },
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<PublicPrincipal | StaffPrincipal>,
): void {
  const { conversations, attachments } = ctx.services;
  const tags = side.tags;

  app.post(
    `${side.prefix}/:id/attachments`,
    {
      schema: {
        tags,
        summary: `Upload files (multipart/form-data, one or more file fields) to a conversation ${side.who}`,
        description:
          'All or nothing: 201 with every stored file, or an error naming the refused file in `details.files` ' +
          '(file_too_large, too_many_files, message_too_large, file_type_not_allowed, file_type_mismatch, ' +
          'file_name_invalid, upload_incomplete). Then send a message with `attachmentIds`.',
        consumes: ['multipart/form-data'],
        params: conversationParams,
        response: { 201: uploadResponse },
      },
      config: { rateLimit: httpRateLimits(ctx.config).upload },
    },
    async (request, reply) => {
      try {
        const principal = await authenticate(request, reply);
        const conversation: ConversationRow = await conversations.requireWritable(principal, request.params.id);
        const limits = attachments.limits();
        const stored = await attachments.upload(principal, conversation, incomingFiles(request, limits));
        return await reply.status(201).send({ attachments: stored });
      } catch (err) {
        await settleUploadBody(request, reply);
        throw err;
      }
    },
  );

  app.get(
    `${side.prefix}/:id/attachments/:attachmentId`,
    {
      schema: {
        tags,
        summary: `Download a file of a conversation ${side.who} (\`?inline=1\`: preview a safe image)`,
        params: attachmentParams,
        querystring: downloadQuery,
      },
    },
    async (request, reply) => {
      const principal = await authenticate(request, reply);
      const conversation = await conversations.requireReadable(principal, request.params.id);
      const opened = await attachments.open(principal, conversation, request.params.attachmentId);
      const inline = request.query.inline === '1' || request.query.inline === 'true';
      return sendAttachment(ctx, request, reply, opened, inline);
    },
  );

  app.delete(
    `${side.prefix}/:id/attachments/:attachmentId`,
    {
      schema: {
        tags,
        summary: 'Remove one of my uploads that no message has sent yet',
        params: attachmentParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const principal = await authenticate(request, reply);
      await conversations.requireReadable(principal, request.params.id);
      await attachments.removeUpload(principal, request.params.id, request.params.attachmentId);
      return reply.status(204).send(null);
    },
  );
}

/** Visitors and customers: files of their own conversations. */
export const attachmentRoutes: RouteModule = {
  name: 'attachments',
  sides: ['public'],
  register(app, ctx) {
    registerAttachmentRoutes(
      app,
      ctx,
      { prefix: '/api/conversations', tags: ['attachments'], who: 'of mine' },
      (request, reply) => requirePublicPrincipal(ctx, request, reply),
    );
  },
};

/** Staff: files of any conversation (uploading needs joining, like writing). */
export const staffAttachmentRoutes: RouteModule = {
  name: 'staff-attachments',
  sides: ['staff'],
  register(app, ctx) {
    registerAttachmentRoutes(
      app,
      ctx,
      { prefix: '/api/staff/conversations', tags: ['staff: attachments'], who: '(join it first to upload)' },
      (request, reply) => requireStaff(ctx, request, reply),
    );
  },
};
