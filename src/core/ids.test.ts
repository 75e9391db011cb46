import { describe, expect, it } from 'vitest';
import { newTimeOrderedId } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newTimeOrderedId', () => {
  it('is a UUID v7 that carries its millisecond and sorts by time', () => {
    const at = Date.UTC(2026, 11, 7, 12, 0, 0, 123);
    const id = newTimeOrderedId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    expect(newTimeOrderedId(at + 1) > newTimeOrderedId(at)).toBe(true);
  });

  it('never repeats: 50,000 ids of one millisecond are all different, each well-formed', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const id = newTimeOrderedId(1_000);
      expect(id).toMatch(UUID_V7);
      ids.add(id);
    }
    expect(ids.size).toBe(50_000);
  });
});
