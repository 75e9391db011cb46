/** Time source. Services take a Clock so tests can pin "now" (support hours, expiry, retention). */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2026, 0, 5, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  set(ms: number | Date): void {
    this.current = typeof ms === 'number' ? ms : ms.getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
