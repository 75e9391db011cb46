/**
 * Multipart upload bodies, streamed (@fastify/multipart over busboy): each file is read into memory only up to
 * the per-file limit; one byte more and it is refused. After a refusal the rest of the body is read and dropped
 * up to a small slack (so a client that sent a little too much still gets its JSON answer on a live
 * connection); beyond that the connection is closed after the answer (a 100 MB body is cut off, never read).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { IncomingFile } from '../modules/attachments/attachment.service.js';
import { AppError } from '../shared/errors.js';

/** Bytes of an unwanted body we still read and drop to answer on the same connection. */
export const DRAIN_SLACK_BYTES = 1024 * 1024;

interface MultipartFilePart {
  type: 'file';
  filename: string;
  file: Readable & { truncated?: boolean };
}

/** The busboy options for one request: files limited one byte past our limit, so we see the excess ourselves. */
export function uploadParserLimits(maxFileBytes: number, maxFiles: number) {
  return {
    fileSize: maxFileBytes + 1,
    // One more than allowed arrives as a part, which the service refuses as too_many_files with its name.
    files: maxFiles + 1,
    fields: 10,
    fieldNameSize: 100,
    fieldSize: 1024,
    parts: maxFiles + 11,
    headerPairs: 100,
  };
}

/** Errors of the multipart parser, as our error codes. */
function multipartError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'FST_FILES_LIMIT') return new AppError('too_many_files');
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('file_too_large');
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PROTO_VIOLATION') {
    return new AppError('bad_request', 'This upload is not a form of files we accept.');
  }
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new AppError('unsupported_media_type');
  const message = (err as Error | undefined)?.message ?? '';
  if (/boundary/i.test(message)) return new AppError('bad_request', 'This upload is not a valid multipart form.');
  // "Unexpected end of form", "Part terminated early", a premature close: the body stopped before its end.
  return new AppError('upload_incomplete');
}

/** Reads a file stream whole, refusing with file_too_large as soon as it holds more than `maxBytes`. */
async function readLimited(file: MultipartFilePart['file'], maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of file) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > maxBytes) {
        chunks.length = 0;
        // Stops the parser: it unpipes the request, so the rest of the body is not read into anything.
        file.destroy();
        throw new AppError('file_too_large');
      }
      chunks.push(buffer);
    }
  } catch (err) {
    throw multipartError(err);
  }
  if (file.truncated === true) throw new AppError('file_too_large');
  return Buffer.concat(chunks, size);
}

/** The files of a multipart request, in order; other fields are ignored. */
export async function* incomingFiles(
  request: FastifyRequest,
  limits: { maxFileBytes: number; maxFiles: number },
): AsyncGenerator<IncomingFile> {
  if (!request.isMultipart()) {
    throw new AppError('unsupported_media_type', 'Upload files as multipart/form-data.');
  }
  const parts = request.parts({ limits: uploadParserLimits(limits.maxFileBytes, limits.maxFiles) });
  let index = 0;
  try {
    for await (const part of parts) {
      if (part.type !== 'file') continue;
      const file = part as unknown as MultipartFilePart;
      let consumed = false;
      yield {
        index: index++,
        fileName: typeof file.filename === 'string' ? file.filename : '',
        read: (maxBytes) => {
          consumed = true;
          return readLimited(file.file, maxBytes);
        },
      };
      // A file the service refused without reading never gets here (the loop stops); one it did not read is
      // dropped so the parser can move on.
      if (!consumed) file.file.resume();
    }
  } catch (err) {
    throw multipartError(err);
  }
}

/**
 * After a refused upload (or any failure before the body was read): stop parsing, read and drop what is left of
 * the body up to the slack, and if more is coming, answer with `Connection: close` so the connection is closed
 * once the error is sent, instead of reading the rest.
 */
export async function settleUploadBody(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const raw = request.raw;
  if (raw.readableEnded || raw.destroyed) return;
  raw.unpipe();
  const complete = await new Promise<boolean>((resolve) => {
    let dropped = 0;
    const done = (value: boolean) => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onEnd);
      raw.off('close', onEnd);
      if (!value) raw.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DRAIN_SLACK_BYTES) done(false);
    };
    const onEnd = () => done(true);
    raw.on('data', onData);
    raw.once('end', onEnd);
    raw.once('error', onEnd);
    raw.once('close', onEnd);
    raw.resume();
  });
  if (!complete) void reply.header('connection', 'close');
}
