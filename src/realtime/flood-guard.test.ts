import { describe, expect, it } from 'vitest';
import { RefusalWindow } from './flood-guard.js';

describe('RefusalWindow', () => {
  it('trips on the n-th refusal within the window, and only then', () => {
    let now = 0;
    const window = new RefusalWindow(3, 10_000, () => now);
    expect(window.record()).toBe(false);
    now = 4_000;
    expect(window.record()).toBe(false);
    now = 9_999;
    expect(window.record()).toBe(true);
  });

  it('forgets refusals older than the window: a client that slows down is never disconnected', () => {
    let now = 0;
    const window = new RefusalWindow(3, 10_000, () => now);
    // Two refusals every 10 s, forever: never three within one window.
    for (let i = 0; i < 100; i++) {
      now = i * 10_000;
      expect(window.record()).toBe(false);
      now += 1;
      expect(window.record()).toBe(false);
    }
  });

  it('a limit of one disconnects at the first refusal', () => {
    expect(new RefusalWindow(1, 1_000, () => 0).record()).toBe(true);
  });
});
