import type { z } from 'zod';
import type { FieldProblem } from './errors.js';

/** Flattens zod issues into `{path, message}` pairs for `validation_failed` details and inline form errors. */
export function zodFieldProblems(error: z.ZodError, prefix?: string): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    const code = (issue as { params?: { code?: unknown } }).params?.code;
    return {
      path: path === '' ? '(body)' : path,
      message: issue.message,
      ...(typeof code === 'string' ? { code } : {}),
    };
  });
}
