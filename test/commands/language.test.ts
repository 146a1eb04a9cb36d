import { afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.ts';
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
