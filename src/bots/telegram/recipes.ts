import type { Keyv } from 'keyv';
import type { Storage } from '../../core/store/storage.ts';
import type { ImageRef } from './inputs.ts';
import type { PromptOptions } from './options.ts';

/**
 * What a request asked for, kept so that its "Again" button can run it once more after the original
 * handler is long gone (or the bot restarted). Only Telegram file ids are kept, never bytes or URLs:
 * a file id stays valid for the bot and holds no secret.
 */
export interface Recipe {
  readonly kind: 'edit' | 'imagine';
  readonly options: PromptOptions;
  /** The input images, in order; empty for imagine. */
  readonly images: readonly ImageRef[];
  /** Who asked: only they may press Again. */
  readonly userId: number;
}

/** Buttons on old summaries stop working after this; a week covers any normal use. */
const RECIPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Recipes by the request's chat and message id (the request id of its CommandContext). */
export class Recipes {
  private readonly records: Keyv<Recipe>;

  constructor(storage: Storage) {
    this.records = storage.keyv<Recipe>('telegram-recipes');
  }

  async save(chatId: number, messageId: number, recipe: Recipe): Promise<void> {
    await this.records.set(`${chatId}:${messageId}`, recipe, RECIPE_TTL_MS);
  }

  async load(chatId: number, messageId: number): Promise<Recipe | undefined> {
    return this.records.get(`${chatId}:${messageId}`);
  }
}
