export type WindowKind = 'day' | 'week' | 'month';
export const WINDOW_KINDS: readonly WindowKind[] = ['day', 'week', 'month'];

export interface QuotaWindow {
  /** Stable name of the period in its time zone: `2026-11-21`, `2026-W47` (Monday's date), `2026-11`. */
  readonly id: string;
  readonly start: Date;
  readonly end: Date;
}

interface LocalDate {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
}

/** The calendar period (day, ISO week from Monday, month) containing `now`, in `timeZone`. */
export function windowAt(now: Date, kind: WindowKind, timeZone: string): QuotaWindow {
  const today = localDate(now, timeZone);
  let first: LocalDate;
  let next: LocalDate;
  let id: string;
  if (kind === 'day') {
    first = today;
    next = addDays(today, 1);
    id = isoDate(today);
  } else if (kind === 'week') {
    const weekday = (new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7; // Monday = 0
    first = addDays(today, -weekday);
    next = addDays(first, 7);
    id = `week-of-${isoDate(first)}`;
  } else {
    first = { year: today.year, month: today.month, day: 1 };
    next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
    id = isoDate(first).slice(0, 7);
  }
  return { id, start: startOfLocalDay(first, timeZone), end: startOfLocalDay(next, timeZone) };
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(instant: Date, timeZone: string): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return parts;
}

function localDate(instant: Date, timeZone: string): LocalDate {
  const p = localParts(instant, timeZone);
  return { year: p.year!, month: p.month!, day: p.day! };
}

/** Milliseconds the zone is ahead of UTC at `instant`. */
function offsetAt(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant local midnight begins on `date` (twice corrected, for days that start in a DST change). */
function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  const naive = Date.UTC(date.year, date.month - 1, date.day);
  let guess = naive - offsetAt(new Date(naive), timeZone);
  guess = naive - offsetAt(new Date(guess), timeZone);
  return new Date(guess);
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function isoDate(date: LocalDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
