/** SQLite: the batch runs in the writer thread (`sqlite-append.procedure.ts`), off the main event loop. */
import type { SqliteWriterThread } from '../../../db/sqlite/writer-thread.js';
import { AppError } from '../../../shared/errors.js';
import type { AppendItem } from './append-plan.js';
import type { AppendBatchResult, AppendOutcome, BatchAppender } from './batch-appender.js';
import type { SqliteAppendOutput } from './sqlite-append.procedure.js';

/** The procedure module beside this one, from the sources or from the build alike. */
const PROCEDURE_URL = new URL(
  `./sqlite-append.procedure.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
).href;

const toBuffer = (v: Uint8Array): Buffer =>
  Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);

export class SqliteAppender implements BatchAppender {
  constructor(private readonly writer: SqliteWriterThread) {}

  async append(items: AppendItem[]): Promise<AppendBatchResult> {
    const out = await this.writer.procedure<SqliteAppendOutput>(PROCEDURE_URL, 'conversations.append', items);
    const outcomes = out.outcomes.map((o, i): AppendOutcome => {
      const item = items[i]!;
      switch (o.kind) {
        case 'stored':
          return {
            message: { ...item.message, seq: o.seq, publicSeq: o.publicSeq, authorName: o.authorName },
            duplicate: false,
            attachments: o.attachments.map((a) => ({ ...a, name: toBuffer(a.name) })),
          };
        case 'duplicate':
          return { message: { ...o.message, body: toBuffer(o.message.body) }, duplicate: true, attachments: [] };
        case 'refused':
          return { error: new AppError(o.code, o.message) };
      }
    });
    return { outcomes, conversations: new Map(out.touched.map((c) => [c.id, c])), enqueued: out.enqueued > 0 };
  }
}
