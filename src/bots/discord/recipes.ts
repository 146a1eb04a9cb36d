import type { Keyv } from 'keyv';
import type { Storage } from '../../core/store/storage.ts';
import type { AspectRatio, OutputFormat } from '../../core/providers/provider.ts';
import type { GenerationKind } from '../../commands/edit.ts';
import type { AttachmentRef } from './inputs.ts';

/**
 * What a request asked for, kept so that the buttons on its result (Again, Use as input #2) can act
 * after the handler is long gone or the bot restarted. Attachments are kept as Discord describes
 * them: the URL is a public CDN address holding none of our secrets, but it is signed and expires,
 * so a late Again may find it gone.
 */
export interface Recipe {
  readonly kind: GenerationKind;
  /** Who asked: only they may press Again. */
  readonly userId: string;
  readonly prompt: string;
  readonly count?: number | undefined;
  readonly aspectRatio?: AspectRatio | undefined;
  readonly outputFormat?: OutputFormat | undefined;
  /** The input images, in order; empty for imagine. */
  readonly inputs: readonly AttachmentRef[];
}

/** Buttons on old results stop working after this; a week covers any normal use. */
const RECIPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Recipes by request id (the interaction id of the request, as in the buttons' custom_ids). */
export class DiscordRecipes {
  private readonly records: Keyv<Recipe>;

  constructor(storage: Storage) {
    this.records = storage.keyv<Recipe>('discord-recipes');
  }

  async save(requestId: string, recipe: Recipe): Promise<void> {
    await this.records.set(requestId, recipe, RECIPE_TTL_MS);
  }

  async load(requestId: string): Promise<Recipe | undefined> {
    return this.records.get(requestId);
  }
}
