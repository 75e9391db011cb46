export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  max: number;
}

/** Order statistics of a small sample (nearest-rank percentiles), rounded to 0.1. */
export function summarise(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    n: sorted.length,
    min: r(sorted[0] ?? NaN),
    p50: r(at(50)),
    p90: r(at(90)),
    max: r(sorted[sorted.length - 1] ?? NaN),
  };
}

/** Median of a sample (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function range(values: readonly number[]): { min: number; max: number } {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? { min: Math.min(...finite), max: Math.max(...finite) } : { min: NaN, max: NaN };
}

/** Rounds to `digits` decimals (NaN stays NaN). */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
