import { ZodError } from 'zod';
import { isDatabaseUnavailableError } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { zodFieldProblems } from '../shared/validation.js';
import type { Logger } from './logger.js';

/**
 * Turns any thrown value into an AppError: the single mapping from failures to the wire, used by HTTP
 * (src/http/error-handler.ts adds the framework's own client errors through `map`) and by socket acknowledgements.
 * Unknown errors are logged with context and become a bare 500.
 */
export function toAppError(
  err: unknown,
  log: Pick<Logger, 'warn' | 'error'>,
  context: Record<string, unknown> = {},
  map?: (err: unknown) => AppError | undefined,
): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) {
    return new AppError('validation_failed', undefined, { fields: zodFieldProblems(err) });
  }
  const mapped = map?.(err);
  if (mapped) return mapped;
  if (isDatabaseUnavailableError(err)) {
    log.warn(
      { err: { message: (err as Error).message, code: (err as { code?: unknown }).code }, ...context },
      'database unavailable',
    );
    return new AppError('database_unavailable');
  }
  log.error({ err, ...context }, 'unhandled error');
  return new AppError('internal_error');
}
