/** Runs `fn(0…count-1)` with at most `limit` calls in flight; never rejects (errors are the caller's to count). */
export async function forEachBounded(
  count: number,
  limit: number,
  fn: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      try {
        await fn(i);
      } catch {
        // counted by fn
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/** Counts of error reasons (a few distinct messages, each with how often it happened). */
export class ErrorTally {
  readonly counts: Record<string, number> = {};
  total = 0;

  add(reason: string): void {
    this.total++;
    const key = reason.slice(0, 160);
    if (key in this.counts || Object.keys(this.counts).length < 20) this.counts[key] = (this.counts[key] ?? 0) + 1;
    else this.counts['(other)'] = (this.counts['(other)'] ?? 0) + 1;
  }

  static merge(tallies: readonly Record<string, number>[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of tallies) for (const [k, v] of Object.entries(t)) out[k] = (out[k] ?? 0) + v;
    return out;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const data = (err as Error & { data?: { error?: { code?: string } } }).data;
    return data?.error?.code ? `${err.message} (${data.error.code})` : err.message;
  }
  return String(err);
}
