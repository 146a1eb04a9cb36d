/** Formatters per time zone, built once: Intl.DateTimeFormat is costly to create. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A moment as a person in `timeZone` reads it: `on Sun 22 Nov at 00:00 (Europe/Berlin)`. For
 * platforms without a client-side timestamp (Telegram); the zone is named because members of one
 * group may live in several.
 */
export function formatLocalTime(at: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(at).map((p) => [p.type, p.value]));
  return `on ${parts.weekday} ${parts.day} ${parts.month} at ${parts.hour}:${parts.minute} (${timeZone})`;
}
