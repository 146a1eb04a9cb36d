import { Locale, type LocalizationMap } from 'discord.js';
import { catalogueFor } from '../../core/i18n/languages.ts';

/**
 * The Discord locales each translated catalogue speaks for. English has none: the specs are written in
 * it and Discord shows the default names to every locale without a translation.
 */
export const DISCORD_LOCALES: Readonly<Record<string, readonly Locale[]>> = {
  es: [Locale.SpanishES, Locale.SpanishLATAM],
  ru: [Locale.Russian],
};

/** A command's or option's translations, ready to spread into its Discord JSON; nothing when none exists. */
export interface Localizations {
  name_localizations?: LocalizationMap;
  description_localizations?: LocalizationMap;
}

/**
 * The translated name and description of the command, subcommand or option at `path` (`edit`,
 * `edit.prompt`, `quota-admin.grant.amount`, `menu.edit`), from each catalogue's `commands` section.
 * A language without a translation for the path is left out, so Discord falls back to English there.
 * `withDescription: false` is for menu commands, which have no description.
 */
export function localizationsOf(path: string, withDescription = true): Localizations {
  const names: LocalizationMap = {};
  const descriptions: LocalizationMap = {};
  for (const [language, locales] of Object.entries(DISCORD_LOCALES)) {
    const words = catalogueFor(language).commands?.[path];
    if (!words) continue;
    for (const locale of locales) {
      names[locale] = words.name;
      descriptions[locale] = words.description;
    }
  }
  if (Object.keys(names).length === 0) return {};
  return withDescription ? { name_localizations: names, description_localizations: descriptions } : { name_localizations: names };
}
