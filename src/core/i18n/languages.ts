import type { Catalogue } from './catalogue.ts';
import { en } from './en.ts';
import { es } from './es.ts';
import { ru } from './ru.ts';

/** The languages replies come in, by primary language subtag. Adding a language: one file and one line here. */
const CATALOGUES: Readonly<Record<string, Catalogue>> = { en, es, ru };

/**
 * The catalogue for a user's language (`es`, `es-419`, `ru-RU`, Telegram's `language_code` or Discord's
 * `interaction.locale`), English when the language is missing or not one we have.
 */
export function catalogueFor(locale: string | undefined): Catalogue {
  const primary = locale?.toLowerCase().split(/[-_]/)[0];
  return (primary && CATALOGUES[primary]) || en;
}

export const SUPPORTED_LANGUAGES: readonly string[] = Object.keys(CATALOGUES);
