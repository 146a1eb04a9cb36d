import { MessageFlags, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import type { Commands } from '../../commands/commands.ts';
import { catalogueFor } from '../../core/messages.ts';
import type { Logger } from '../../core/log.ts';
import type { Storage } from '../../core/store/storage.ts';
import { handleButton } from './buttons.ts';
import { runDeferred, runGeneration, type GenerationPlan, type MenuImages, type RouteDeps } from './deferred.ts';
import { describeDiscordError } from './errors.ts';
import { handleFormSubmit } from './forms.ts';
import { attachmentSource, editAttachmentsOf, imagineArgsFrom, type DownloadLimits } from './inputs.ts';
import { RecentMemory } from './memory.ts';
import { EDIT_MESSAGE_MENU_NAME } from './menu-spec.ts';
import { handleMessageMenu } from './message-menu.ts';
import { createModeratorContext, moderationRequestFrom } from './moderation.ts';
import { DiscordRecipes } from './recipes.ts';

export interface HandlerDeps {
  readonly commands: Commands;
  readonly storage: Storage;
  readonly logger: Logger;
  readonly limits: DownloadLimits;
  readonly statusIntervalMs: number;
}

/** Said for a command, button or form made by an older version of the bot, still cached by Discord. */
const commandGone = (interaction: Interaction) => catalogueFor(interaction.locale).chat.commandGone();
/** Again presses remembered per result message; a double click comes within seconds. */
const AGAIN_MEMORY = { maxEntries: 1_000, ttlMs: 24 * 60 * 60 * 1000 };
/** A menu's images wait this long for its prompt form (Discord's interaction token lives 15 minutes). */
const MENU_MEMORY = { maxEntries: 1_000, ttlMs: 15 * 60 * 1000 };

/** One set of memories per running bot (its deps object), so every interaction of that bot shares them. */
const routeDepsOf = (() => {
  const perBot = new WeakMap<HandlerDeps, RouteDeps>();
  return (deps: HandlerDeps): RouteDeps => {
    let route = perBot.get(deps);
    if (!route) {
      route = {
        ...deps,
        recipes: new DiscordRecipes(deps.storage),
        againPressed: new RecentMemory<true>(AGAIN_MEMORY),
        menuImages: new RecentMemory<MenuImages>(MENU_MEMORY),
      };
      perBot.set(deps, route);
    }
    return route;
  };
})();

/**
 * Routes one interaction: slash commands, the message menu command, buttons and prompt forms. Never
 * rejects: a failure here must not reach the client's event loop, and one bad interaction must not
 * affect the next.
 */
export async function handleInteraction(interaction: Interaction, handlerDeps: HandlerDeps): Promise<void> {
  const deps = routeDepsOf(handlerDeps);
  const what = interaction.isCommand() ? interaction.commandName : interaction.isMessageComponent() || interaction.isModalSubmit() ? interaction.customId : undefined;
  if (what === undefined) return;
  const log = deps.logger.child({ requestId: interaction.id, command: what });
  log.info({ userId: interaction.user.id, guildId: interaction.guildId }, 'interaction received');
  try {
    if (interaction.isChatInputCommand()) return await handleCommand(interaction, deps, log);
    if (interaction.isMessageContextMenuCommand() && interaction.commandName === EDIT_MESSAGE_MENU_NAME) return await handleMessageMenu(interaction, deps, log);
    if (interaction.isButton()) return await handleButton(interaction, deps, log);
    if (interaction.isModalSubmit()) return await handleFormSubmit(interaction, deps, log);
    if (interaction.isRepliable()) {
      log.warn('unknown interaction');
      await interaction.reply({ content: commandGone(interaction), flags: MessageFlags.Ephemeral });
    }
  } catch (error) {
    // 10062 Unknown interaction (acknowledged too late or by another process) lands here: logged, never retried.
    log.error({ discord: describeDiscordError(error, [interaction.token]) }, 'interaction handling failed');
  }
}

async function handleCommand(interaction: ChatInputCommandInteraction, deps: RouteDeps, log: Logger): Promise<void> {
  switch (interaction.commandName) {
    case 'edit':
      return runGeneration(interaction, deps, log, () => Promise.resolve(planOf(interaction, 'edit', deps)));
    case 'imagine':
      return runGeneration(interaction, deps, log, () => Promise.resolve(planOf(interaction, 'imagine', deps)));
    case 'quota':
      return runDeferred(interaction, deps, log, true, (open) => deps.commands.quota(open()));
    case 'help':
      return runDeferred(interaction, deps, log, true, (open) => deps.commands.help(open()));
    case 'quota-admin':
      // Ephemeral: moderation is between the moderator and the bot, not for the whole channel.
      return runDeferred(interaction, deps, log, true, async (open) => {
        const ctx = open();
        const request = moderationRequestFrom(interaction);
        if (!request) return ctx.finish(commandGone(interaction));
        await deps.commands.moderate(createModeratorContext(interaction, ctx), request);
      });
    default:
      // A command registered by an older version of the bot, still cached by Discord.
      log.warn('unknown command');
      await interaction.reply({ content: commandGone(interaction), flags: MessageFlags.Ephemeral });
  }
}

/** /edit and /imagine as a request: the options as given, and the attachments as the recipe keeps them. */
function planOf(interaction: ChatInputCommandInteraction, kind: 'edit' | 'imagine', deps: RouteDeps): GenerationPlan {
  const inputs = kind === 'edit' ? editAttachmentsOf(interaction) : [];
  return {
    recipe: { kind, userId: interaction.user.id, ...imagineArgsFrom(interaction), inputs },
    images: inputs.map((ref) => attachmentSource(ref, deps.limits)),
  };
}
