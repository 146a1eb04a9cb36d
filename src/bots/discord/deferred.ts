import { MessageFlags, type RepliableInteraction } from 'discord.js';
import type { Commands } from '../../commands/commands.ts';
import type { ImageSource } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { errorMessage } from '../../core/messages.ts';
import { scrubSecrets } from '../../core/secrets.ts';
import { createInteractionContext, type InteractionContext } from './context.ts';
import { describeDiscordError } from './errors.ts';
import type { AttachmentRef, DownloadLimits } from './inputs.ts';
import type { RecentMemory } from './memory.ts';
import type { DiscordRecipes, Recipe } from './recipes.ts';
import type { ResultButtons } from './result-card.ts';

/** What every interaction route needs: the wiring from start-up plus the bot's own memories. */
export interface RouteDeps {
  readonly commands: Commands;
  readonly logger: Logger;
  readonly limits: DownloadLimits;
  readonly statusIntervalMs: number;
  readonly recipes: DiscordRecipes;
  /** Result messages whose Again was already pressed here: a double click starts one request. */
  readonly againPressed: RecentMemory<true>;
  /** The images of message menu commands, by the menu interaction's id, until their form comes back. */
  readonly menuImages: RecentMemory<MenuImages>;
}

export interface MenuImages {
  readonly userId: string;
  readonly images: readonly AttachmentRef[];
}

/** A request ready to run: what to remember for its buttons, and the images to load. */
export interface GenerationPlan {
  readonly recipe: Recipe;
  readonly images: readonly ImageSource[];
}

type OpenContext = (resultButtons?: ResultButtons) => InteractionContext;

/**
 * Acknowledges first (Discord allows 3 seconds, and downloads or store I/O may take longer), then runs
 * `run` with a way to open the context over the deferred reply. A public reply sends refusals and
 * errors to the requester alone. Never rejects.
 */
export async function runDeferred(
  interaction: RepliableInteraction,
  deps: RouteDeps,
  log: Logger,
  ephemeral: boolean,
  run: (open: OpenContext) => Promise<void>,
): Promise<void> {
  try {
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  } catch (error) {
    // Too late (10062 Unknown interaction) or acknowledged elsewhere: the token is dead, retrying cannot help.
    log.warn({ discord: describeDiscordError(error, [interaction.token]) }, 'could not defer the reply');
    return;
  }
  let ctx: InteractionContext | undefined;
  const open: OpenContext = (resultButtons) =>
    (ctx = createInteractionContext(interaction, {
      logger: deps.logger,
      statusIntervalMs: deps.statusIntervalMs,
      ...(resultButtons ? { resultButtons } : {}),
      ...(ephemeral ? {} : { publicReply: true }),
    }));
  try {
    await run(open);
  } catch (error) {
    const stack = error instanceof Error ? scrubSecrets(error.stack ?? '', [interaction.token]) : undefined;
    log.error({ err: { ...describeDiscordError(error, [interaction.token]), stack } }, 'command failed');
    const current = ctx ?? open();
    if (current.finalised) return;
    await current.finish(errorMessage('INTERNAL', undefined, interaction.locale)).catch((finishError: unknown) => {
      log.warn({ discord: describeDiscordError(finishError, [interaction.token]) }, 'could not report the failure');
    });
  }
  // The last status may still wait out the throttle; the handler is done only once it went out.
  await ctx?.idle();
}

/**
 * Runs an edit or imagine request in a public reply. `plan` runs after the deferral, so it may read
 * the store; it returns a refusal text when there is nothing to run (that costs nothing). The recipe
 * is stored under this interaction's id before the job starts, so the result's buttons can use it.
 */
export async function runGeneration(
  interaction: RepliableInteraction,
  deps: RouteDeps,
  log: Logger,
  plan: () => Promise<GenerationPlan | string>,
): Promise<void> {
  await runDeferred(interaction, deps, log, false, async (open) => {
    const planned = await plan();
    if (typeof planned === 'string') return open().finish(planned);
    const { recipe } = planned;
    const saved = await deps.recipes.save(interaction.id, recipe).then(
      () => true,
      (error: unknown) => {
        // Without a recipe the result simply has no Again button; the request itself goes on.
        log.warn({ err: describeDiscordError(error, [interaction.token]) }, 'could not store the recipe');
        return false;
      },
    );
    const ctx = open({ again: saved, editThis: true, useAsInput2: recipe.kind === 'edit' && saved });
    const args = { prompt: recipe.prompt, count: recipe.count, aspectRatio: recipe.aspectRatio, outputFormat: recipe.outputFormat };
    log.debug({ kind: recipe.kind, images: planned.images.length }, 'generation started');
    if (recipe.kind === 'imagine') await deps.commands.imagine(ctx, args);
    else await deps.commands.edit(ctx, { ...args, images: planned.images });
  });
}

/** An ephemeral answer as the first response (a refusal before anything was deferred). */
export async function answerPrivately(interaction: RepliableInteraction, log: Logger, content: string): Promise<void> {
  try {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  } catch (error) {
    log.warn({ discord: describeDiscordError(error, [interaction.token]) }, 'could not answer the interaction');
  }
}
