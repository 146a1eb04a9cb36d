import { MessageFlags, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import type { Commands } from '../../commands/commands.ts';
import type { Logger } from '../../core/log.ts';
import { scrubSecrets } from '../../core/secrets.ts';
import { createInteractionContext, type InteractionContext } from './context.ts';
import { describeDiscordError } from './errors.ts';
import { editArgsFrom, imagineArgsFrom, type DownloadLimits } from './inputs.ts';
import { createModeratorContext, moderationRequestFrom } from './moderation.ts';

export interface HandlerDeps {
  readonly commands: Commands;
  readonly logger: Logger;
  readonly limits: DownloadLimits;
  readonly statusIntervalMs: number;
}

/** Said when a command threw instead of finishing; the command normally words its own errors. */
const UNEXPECTED_FAILURE = 'Sorry, something went wrong while handling this request.';
/** Said for a command (or subcommand) registered by an older version of the bot, still cached by Discord. */
const NOT_AVAILABLE = 'This command is not available any more.';

/**
 * Routes one interaction to its command. Never rejects: a failure here must not reach the client's
 * event loop, and one bad interaction must not affect the next.
 */
export async function handleInteraction(interaction: Interaction, deps: HandlerDeps): Promise<void> {
  if (!interaction.isChatInputCommand()) return;
  const log = deps.logger.child({ requestId: interaction.id, command: interaction.commandName });
  log.info({ userId: interaction.user.id, guildId: interaction.guildId }, 'command received');
  try {
    switch (interaction.commandName) {
      case 'edit':
        return await runDeferred(interaction, deps, log, false, (ctx) => deps.commands.edit(ctx, editArgsFrom(interaction, deps.limits)));
      case 'imagine':
        return await runDeferred(interaction, deps, log, false, (ctx) => deps.commands.imagine(ctx, imagineArgsFrom(interaction)));
      case 'quota':
        return await runDeferred(interaction, deps, log, true, (ctx) => deps.commands.quota(ctx));
      case 'help':
        return await runDeferred(interaction, deps, log, true, (ctx) => deps.commands.help(ctx));
      case 'quota-admin':
        // Ephemeral: moderation is between the moderator and the bot, not for the whole channel.
        return await runDeferred(interaction, deps, log, true, async (ctx) => {
          const request = moderationRequestFrom(interaction);
          if (!request) return ctx.finish(NOT_AVAILABLE);
          await deps.commands.moderate(createModeratorContext(interaction, ctx), request);
        });
      default:
        // A command registered by an older version of the bot, still cached by Discord.
        log.warn('unknown command');
        await interaction.reply({ content: NOT_AVAILABLE, flags: MessageFlags.Ephemeral });
    }
  } catch (error) {
    log.error({ discord: describeDiscordError(error, [interaction.token]) }, 'interaction handling failed');
  }
}

/**
 * Acknowledges first (Discord allows 3 seconds, and downloads or store I/O may take longer), then
 * runs the command on a context over the deferred reply.
 */
async function runDeferred(
  interaction: ChatInputCommandInteraction,
  deps: HandlerDeps,
  log: Logger,
  ephemeral: boolean,
  run: (ctx: InteractionContext) => Promise<void>,
): Promise<void> {
  try {
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  } catch (error) {
    // Too late or already acknowledged elsewhere: the token is dead, nothing more can be said.
    log.warn({ discord: describeDiscordError(error, [interaction.token]) }, 'could not defer the reply');
    return;
  }
  const ctx = createInteractionContext(interaction, { logger: deps.logger, statusIntervalMs: deps.statusIntervalMs });
  try {
    await run(ctx);
  } catch (error) {
    const stack = error instanceof Error ? scrubSecrets(error.stack ?? '', [interaction.token]) : undefined;
    log.error({ err: { ...describeDiscordError(error, [interaction.token]), stack } }, 'command failed');
    if (ctx.finalised) return;
    await ctx.finish(UNEXPECTED_FAILURE).catch((finishError: unknown) => {
      log.warn({ discord: describeDiscordError(finishError, [interaction.token]) }, 'could not report the failure');
    });
  }
}
