import type { Catalogue } from '../i18n/catalogue.ts';

/** Formatters per language and time zone, built once: Intl.DateTimeFormat is costly to create. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A moment as a person in `timeZone` reads it, in the catalogue's language: `on Sun 22 Nov at 00:00
 * (Europe/Berlin)`. For platforms without a client-side timestamp (Telegram); the zone is named
 * because members of one group may live in several.
 */
export function formatLocalTime(at: Date, timeZone: string, catalogue: Catalogue): string {
  const key = `${catalogue.intlLocale}|${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(catalogue.intlLocale, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(key, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(at).map((p) => [p.type, p.value]));
  return catalogue.moment({
    weekday: parts.weekday ?? '',
    day: parts.day ?? '',
    month: parts.month ?? '',
    time: `${parts.hour}:${parts.minute}`,
    timeZone,
  });
}
