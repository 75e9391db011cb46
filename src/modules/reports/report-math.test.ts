import { describe, expect, it } from 'vitest';
import { csvCell, datesBetween, localSlots, percentile, percentilesOf, toCsv } from './report-math.js';

describe('report math', () => {
  it('interpolates percentiles between ranks and has none without data', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBe(46);
    const p = percentilesOf([60_000, 120_000, 180_000, -5, Number.NaN]);
    expect(p).toEqual({ count: 3, p50: 120, p75: 150, p90: 168, p95: 174 });
  });

  it('puts instants in the local date, hour and weekday of the zone, across a DST change', () => {
    const slot = localSlots('America/New_York');
    // 2026-03-08 is spring-forward in New York: 06:59Z is 01:59 EST, 07:00Z is 03:00 EDT.
    expect(slot(Date.parse('2026-03-08T06:59:00Z'))).toEqual({ date: '2026-03-08', hour: 1, weekday: 7 });
    expect(slot(Date.parse('2026-03-08T07:00:00Z'))).toEqual({ date: '2026-03-08', hour: 3, weekday: 7 });
    // Just before local midnight on a Monday is still Monday there, Tuesday in UTC.
    expect(slot(Date.parse('2026-12-08T04:30:00Z'))).toEqual({ date: '2026-12-07', hour: 23, weekday: 1 });
    // A half-hour zone: 18:29Z is 23:59 in Kolkata, 18:30Z is the next day.
    const kolkata = localSlots('Asia/Kolkata');
    expect(kolkata(Date.parse('2026-12-07T18:29:00Z')).date).toBe('2026-12-07');
    expect(kolkata(Date.parse('2026-12-07T18:30:00Z'))).toMatchObject({ date: '2026-12-08', hour: 0 });
  });

  it('lists every date of a range, inclusive', () => {
    expect(datesBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(datesBetween('2026-03-02', '2026-03-02')).toEqual(['2026-03-02']);
  });

  it('writes CSV that spreadsheets read as data, never as formulas', () => {
    expect(csvCell('Alice')).toBe('Alice');
    expect(csvCell('Smith, Jo')).toBe('"Smith, Jo"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell(null)).toBe('');
    expect(csvCell(4.5)).toBe('4.5');
    expect(
      toCsv([
        ['a', 1],
        ['b', null],
      ]),
    ).toBe('a,1\r\nb,\r\n');
  });
});
