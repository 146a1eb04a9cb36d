import { describe, expect, it } from 'vitest';
import { windowAt } from '../../src/core/quota/window.ts';

describe('windowAt', () => {
  it('is the calendar day in UTC', () => {
    const w = windowAt(new Date('2026-11-21T23:59:59Z'), 'day', 'UTC');
    expect(w.id).toBe('2026-11-21');
    expect(w.start.toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(w.end.toISOString()).toBe('2026-11-22T00:00:00.000Z');
  });

  it('follows the configured time zone', () => {
    // 23:30 UTC on the 21st is already the 22nd in Berlin (UTC+1 in November).
    const w = windowAt(new Date('2026-11-21T23:30:00Z'), 'day', 'Europe/Berlin');
    expect(w.id).toBe('2026-11-22');
    expect(w.start.toISOString()).toBe('2026-11-21T23:00:00.000Z');
    expect(w.end.toISOString()).toBe('2026-11-22T23:00:00.000Z');
  });

  it('handles a day that is 23 hours long (DST starts)', () => {
    const w = windowAt(new Date('2026-03-29T12:00:00Z'), 'day', 'Europe/Berlin');
    expect(w.start.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(w.end.toISOString()).toBe('2026-03-29T22:00:00.000Z');
  });

  it('weeks start on Monday', () => {
    const w = windowAt(new Date('2026-11-21T12:00:00Z'), 'week', 'UTC'); // a Saturday
    expect(w.id).toBe('week-of-2026-11-16');
    expect(w.end.toISOString()).toBe('2026-11-23T00:00:00.000Z');
  });

  it('months roll over the year', () => {
    const w = windowAt(new Date('2026-12-31T12:00:00Z'), 'month', 'America/New_York');
    expect(w.id).toBe('2026-12');
    expect(w.start.toISOString()).toBe('2026-12-01T05:00:00.000Z');
    expect(w.end.toISOString()).toBe('2027-01-01T05:00:00.000Z');
  });
});
