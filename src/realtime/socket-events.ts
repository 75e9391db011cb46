/**
 * Handler tables for socket events: each event has a schema and a handler; `bindHandlers` gives every one the same
 * validation, the one error shape in the acknowledgement, the rate-limit side channel (`app:error`), the flood guard,
 * and an `app:error` for events the table does not know. Handlers call services; they never query.
 */
import type { Socket } from 'socket.io';
import type { ZodType } from 'zod';
import { toAppError } from '../core/app-errors.js';
import type { AppContext } from '../core/context.js';
import type { PublicPrincipal, StaffPrincipal } from '../modules/identity/principal.js';
import { readSchema } from '../shared/desk.js';
import { AppError } from '../shared/errors.js';
import { zodFieldProblems } from '../shared/validation.js';
import { countRefusal } from './flood-guard.js';

export interface EventHandler<P, T> {
  schema: ZodType<T>;
  /** Resolves with the acknowledgement's fields (`ok: true` is added); throws AppError to refuse. */
  handle(request: T, socket: Socket, principal: P): Promise<object>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HandlerTable<P> = Record<string, EventHandler<P, any>>;

type Ack = (response: unknown) => void;

function parse<T>(schema: ZodType<T>, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (!result.success) throw new AppError('validation_failed', undefined, { fields: zodFieldProblems(result.error) });
  return result.data;
}

export function bindHandlers<P>(ctx: AppContext, socket: Socket, principal: P, table: HandlerTable<P>): void {
  // One listener per socket for every event (socket.io hands `onAny` the event's arguments, the ack function last):
  // a listener per event and socket cost memory on each of thousands of idle sockets.
  socket.onAny((event: string, ...args: unknown[]) => {
    if (!Object.hasOwn(table, event)) {
      socket.emit('app:error', {
        event,
        code: 'unknown_event',
        message: `Unknown event "${String(event).slice(0, 64)}"`,
      });
      return;
    }
    const handler = table[event]!;
    const last = args.length > 1 ? args[args.length - 1] : undefined;
    const reply: Ack = typeof last === 'function' ? (last as Ack) : () => undefined;
    Promise.resolve()
      .then(() => handler.handle(parse(handler.schema, args[0]), socket, principal))
      .then(
        (result) => reply({ ok: true, ...result }),
        (err: unknown) => {
          const appError = toAppError(err, ctx.logger, { event, socket: socket.id });
          if (appError.code === 'rate_limited') socket.emit('app:error', { event, ...appError.toBody().error });
          reply(appError.toBody());
          if (appError.code === 'rate_limited') countRefusal(ctx, socket, event);
        },
      );
  });
}

/** Typing frames from one socket about one conversation: at most one "is typing" per interval (stops always pass). */
const TYPING_INTERVAL_MS = 1_500;

export class TypingGate {
  private readonly last = new Map<string, number>();

  /** Announces through `announce` unless an "is typing" for this conversation went out less than an interval ago. */
  async pass(conversationId: string, isTyping: boolean, announce: () => Promise<void>): Promise<void> {
    if (!isTyping) {
      this.last.delete(conversationId);
      return announce();
    }
    const now = Date.now();
    if (now - (this.last.get(conversationId) ?? 0) < TYPING_INTERVAL_MS) return;
    await announce(); // a refusal (no permission) throws before the interval starts
    this.last.set(conversationId, now);
  }
}

/** The typing gate of one socket (made on its first typing frame, gone with the socket). */
const typingGates = new WeakMap<Socket, TypingGate>();
export function typingGateOf(socket: Socket): TypingGate {
  let gate = typingGates.get(socket);
  if (!gate) typingGates.set(socket, (gate = new TypingGate()));
  return gate;
}

/** `conversation:read`, the same on both sides: the reader's read position, with the permission of sending. */
export function readStateHandler<P extends PublicPrincipal | StaffPrincipal>(
  ctx: AppContext,
): EventHandler<P, { conversationId: string; seq: number }> {
  return {
    schema: readSchema,
    async handle(req, _socket, principal) {
      const r = await ctx.services.desk.markRead(principal, req.conversationId, req.seq);
      return { ownerReadSeq: r.ownerReadSeq, agentsReadSeq: r.agentsReadSeq };
    },
  };
}
