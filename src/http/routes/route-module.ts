import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../core/context.js';
import type { Side } from '../../core/sides.js';

/** A Fastify instance whose routes validate with zod schemas (the shared ones in src/shared/). */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** One route file: the listener sides it belongs to when STAFF_PORT splits the product over two ports. */
export interface RouteModule {
  name: string;
  sides: readonly Side[];
  register(app: TypedApp, ctx: AppContext): void | Promise<void>;
}
