import type { REST, RepliableInteraction } from 'discord.js';
import type { DeliveryTarget } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log.ts';
import { createReplyContext, type InteractionContext } from './reply-context.ts';
import { interactionRestOf } from './interaction-rest.ts';
import { interactionWebhook } from './reply-port.ts';
import type { ResultButtons } from './result-card.ts';
import { parseDiscordTarget, targetOfInteraction } from './target.ts';

export type { InteractionContext } from './reply-context.ts';

export interface InteractionContextOptions {
  readonly logger: Logger;
  /** Minimum gap between two progress edits of the reply. */
  readonly statusIntervalMs: number;
  /** Which buttons the result card offers; none when absent. */
  readonly resultButtons?: ResultButtons | undefined;
  /** The deferred reply is public: refusals and errors go to the requester alone (ephemeral follow-up). */
  readonly publicReply?: boolean | undefined;
  /** The clock the 15-minute token lifetime is measured with; `Date.now` unless a test says otherwise. */
  readonly now?: (() => number) | undefined;
}

/**
 * The CommandContext of one deferred interaction, as it arrived. Its `target()` is what the job record
 * keeps, so that contextFromTarget can answer the same request after a restart.
 */
export function createInteractionContext(interaction: RepliableInteraction, options: InteractionContextOptions): InteractionContext {
  const target = targetOfInteraction(interaction, { publicReply: options.publicReply === true, resultButtons: options.resultButtons });
  const { rest } = interaction.client;
  return createReplyContext(interactionWebhook(interactionRestOf(rest), target.applicationId, target.token), target, {
    rest,
    logger: options.logger.child({ requestId: interaction.id, interaction: labelOf(interaction) }),
    statusIntervalMs: options.statusIntervalMs,
    secrets: [interaction.client.token ?? undefined],
    now: options.now,
  });
}

export interface ResumeContextDeps {
  /** The running bot's REST client (it holds the bot token for channel posts and direct messages). */
  readonly rest: REST;
  readonly logger: Logger;
  readonly statusIntervalMs: number;
  /** The bot token, kept out of logs and errors. */
  readonly botToken: string;
  readonly now?: (() => number) | undefined;
}

/**
 * The context of a request this process never received, rebuilt from the target its job record
 * kept (Commands.resume after a restart): REST only. While the interaction token lives, progress and
 * the result edit the same deferred reply; past 15 minutes, or once Discord refuses the token, the
 * answer goes to the channel (mentioning the requester) or by direct message, as for a live request.
 * Undefined for a target that is not a usable Discord target: the job is then refunded.
 */
export function contextFromTarget(stored: DeliveryTarget, deps: ResumeContextDeps): InteractionContext | undefined {
  const target = parseDiscordTarget(stored);
  if (!target) {
    deps.logger.warn({ platform: stored.platform }, 'a stored job target is not a usable Discord target');
    return undefined;
  }
  return createReplyContext(interactionWebhook(interactionRestOf(deps.rest), target.applicationId, target.token), target, {
    rest: deps.rest,
    logger: deps.logger.child({ requestId: target.interactionId, interaction: 'resumed' }),
    statusIntervalMs: deps.statusIntervalMs,
    secrets: [deps.botToken],
    now: deps.now,
  });
}

/** What the interaction was, for logs: the command's name, or the custom_id of a button, menu or form. */
function labelOf(interaction: RepliableInteraction): string {
  if (interaction.isCommand()) return interaction.commandName;
  return interaction.customId;
}
