import { afterEach, describe, expect, it } from 'vitest';
import { MESSAGE_MENU_SPECS, menuPath } from '../../src/bots/discord/menu-spec.ts';
import type { CommandContext } from '../../src/commands/context.ts';
import { QUOTA_ADMIN_SPEC } from '../../src/commands/moderation-specs.ts';
import { COMMAND_SPECS, type OptionSpec } from '../../src/commands/specs.ts';
import type { Catalogue } from '../../src/core/i18n/catalogue.ts';
import { en } from '../../src/core/i18n/en.ts';
import { es } from '../../src/core/i18n/es.ts';
import { catalogueFor, SUPPORTED_LANGUAGES } from '../../src/core/i18n/languages.ts';
import { ru } from '../../src/core/i18n/ru.ts';
import { errorMessage } from '../../src/core/messages.ts';
import { buildTestCore } from '../helpers/core.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `/help` or `/quota` for a user whose platform says `locale`, and returns the answer. */
async function answer(command: 'help' | 'quota' | 'edit', locale: string | undefined): Promise<string> {
  const core = await buildTestCore({ falUrl: 'http://127.0.0.1:9', env: { QUOTA_TIMEZONE: 'Europe/Madrid' } });
  cleanups.push(() => core.close());
  const said: string[] = [];
  const ctx: CommandContext = {
    platform: 'telegram', requestId: '1:1', userId: '1', communityId: null, locale,
    status: async () => undefined, deliver: async () => 0, finish: async (text) => void said.push(text),
  };
  if (command === 'edit') await core.commands.edit(ctx, { prompt: '   ', images: [] });
  else await core.commands[command](ctx);
  return said.at(-1)!;
}

describe('replies follow the user language, English otherwise', () => {
  it('picks the catalogue by the primary language subtag', () => {
    expect(SUPPORTED_LANGUAGES).toEqual(expect.arrayContaining(['en', 'es', 'ru']));
    expect(catalogueFor('es')).toBe(es);
    expect(catalogueFor('es-419')).toBe(es);
    expect(catalogueFor('ru_RU')).toBe(ru);
    expect(catalogueFor('de')).toBe(en);
    expect(catalogueFor('')).toBe(en);
    expect(catalogueFor(undefined)).toBe(en);
  });

  it('answers /help, /quota and a bad request in Spanish and Russian, and in English for an unknown language', async () => {
    expect(await answer('help', 'es')).toBe(es.help('telegram'));
    expect(await answer('help', 'ru')).toBe(ru.help('telegram'));
    expect(await answer('help', 'pt-BR')).toBe(en.help('telegram'));
    expect(await answer('quota', 'es')).toMatch(/^Has usado 0 de 10 imágenes hoy; te quedan 10\.\nSe renueva el \S+ \d+ \S+ a las 00:00 \(Europe\/Madrid\)\.$/);
    expect(await answer('quota', 'ru')).toMatch(/^Использовано 0 из 10 изображений \(сегодня\); осталось 10\.\nОбновится /);
    expect(await answer('edit', 'es')).toBe(es.needPrompt());
    expect(errorMessage('TIMED_OUT', undefined, 'ru')).toBe('Это заняло слишком много времени, поэтому я отменил запрос. Квота не списана.');
  });

  it('every catalogue words every error code', () => {
    for (const catalogue of [es, ru]) {
      expect(Object.keys(catalogue.errors).sort()).toEqual(Object.keys(en.errors).sort());
      for (const text of Object.values(catalogue.errors)) expect(text.length).toBeGreaterThan(3);
    }
  });
});

/** Discord's rule for command and option names (chat input commands), with the `u` flag it requires. */
const DISCORD_NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Every level of names the specs make: the top-level commands, then each command's or subcommand's options. */
function specLevels(): Array<{ readonly paths: readonly string[] }> {
  const optionPaths = (parent: string, options: readonly OptionSpec[]) => options.map((option) => `${parent}.${option.name}`);
  const admin = QUOTA_ADMIN_SPEC.name;
  return [
    { paths: [...COMMAND_SPECS.map((spec) => spec.name), admin] },
    ...COMMAND_SPECS.map((spec) => ({ paths: optionPaths(spec.name, spec.options) })),
    { paths: QUOTA_ADMIN_SPEC.subcommands.map((sub) => `${admin}.${sub.name}`) },
    ...QUOTA_ADMIN_SPEC.subcommands.map((sub) => ({ paths: optionPaths(`${admin}.${sub.name}`, sub.options) })),
  ];
}

describe('command names and descriptions in every translated catalogue', () => {
  const levels = specLevels();
  const menuPaths = MESSAGE_MENU_SPECS.map(menuPath);
  const allPaths = [...levels.flatMap((level) => level.paths), ...menuPaths];
  const translated: Array<[string, Catalogue]> = [['es', es], ['ru', ru]];

  it('the specs produce the paths the catalogues are keyed by', () => {
    expect(allPaths).toEqual(expect.arrayContaining(['edit', 'edit.prompt', 'edit.image4', 'quota-admin.grant.amount', 'menu.edit']));
    expect(new Set(allPaths).size).toBe(allPaths.length);
  });

  it.each(translated)('%s translates every path, and nothing the specs do not have', (_, catalogue) => {
    const commands = catalogue.commands ?? {};
    expect(allPaths.filter((path) => !commands[path])).toEqual([]);
    expect(Object.keys(commands).filter((path) => !allPaths.includes(path))).toEqual([]);
  });

  it.each(translated)('%s: names are valid lowercase Discord names, unique at each level; descriptions 1–100 characters', (_, catalogue) => {
    const commands = catalogue.commands ?? {};
    for (const level of levels) {
      const names = level.paths.map((path) => commands[path]?.name ?? '');
      for (const [i, name] of names.entries()) {
        expect(name, level.paths[i]).toMatch(DISCORD_NAME);
        expect(name, level.paths[i]).toBe(name.toLowerCase());
        const description = commands[level.paths[i]!]?.description ?? '';
        expect(description.length, level.paths[i]).toBeGreaterThan(0);
        expect(description.length, level.paths[i]).toBeLessThanOrEqual(100);
      }
      expect(new Set(names).size, level.paths.join(', ')).toBe(names.length);
    }
  });

  it.each(translated)('%s: menu command names are 1–32 characters, unique, with no description', (_, catalogue) => {
    const names = menuPaths.map((path) => catalogue.commands?.[path]?.name ?? '');
    for (const name of names) {
      expect(name.trim().length).toBeGreaterThan(0);
      expect(name.length).toBeLessThanOrEqual(32);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const path of menuPaths) expect(catalogue.commands?.[path]?.description).toBe('');
  });

  it('English has none: the specs are the English names', () => {
    expect(en.commands).toBeUndefined();
  });
});
