import { MessageFlags, Routes, userMention, type InteractionEditReplyOptions, type RepliableInteraction } from 'discord.js';
import type { CommandContext, ResultDetails } from '../../commands/context.ts';
import { BotError } from '../../core/errors.ts';
import type { ImageData } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { catalogueFor } from '../../core/messages.ts';
import { describeDiscordError, discordFailure } from './errors.ts';
import { isTokenGone, sendLate, tokenExpired, type LateMessage } from './late-delivery.ts';
import { clip, progressCard } from './progress-card.ts';
import { ReplyEditor } from './reply-editor.ts';
import { resultCard, type ResultButtons } from './result-card.ts';
import { attachmentsOf, formatLimit, planUpload } from './result-files.ts';

/** Discord's default per-file upload limit, used when an interaction does not say its own. */
export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;
/** Content length of webhook and interaction messages. */
const MAX_CONTENT_LENGTH = 2000;

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

/** A CommandContext plus what the adapter itself needs to know after the command returned. */
export interface InteractionContext extends CommandContext {
  /** True once the command sent its final word (result or text). */
  readonly finalised: boolean;
}

/**
 * The CommandContext of one deferred interaction: progress is a card in the deferred reply, the
 * result replaces it. When the interaction token has expired (15 minutes) or stops working, the final
 * word goes without it: to the channel, or by direct message. The interaction token never appears in
 * what this throws or logs.
 */
export function createInteractionContext(interaction: RepliableInteraction, options: InteractionContextOptions): InteractionContext {
  const secrets = [interaction.token, interaction.client.token ?? undefined];
  const log = options.logger.child({ requestId: interaction.id, interaction: labelOf(interaction) });
  const now = options.now ?? Date.now;
  const locale = interaction.locale;
  const text = catalogueFor(locale);
  let tokenDead = false;
  /** The deferred reply's message, once an edit told us; lets a late delivery remove the stale card. */
  let originalId: string | undefined;
  const tokenUsable = () => !tokenDead && !tokenExpired(interaction.createdTimestamp, now());
  const noteTokenFailure = (error: unknown, what: string): boolean => {
    if (!isTokenGone(error)) return false;
    tokenDead = true;
    log.info({ discord: describeDiscordError(error, secrets) }, `${what}: the interaction token no longer works`);
    return true;
  };

  const editReply = async (payload: InteractionEditReplyOptions): Promise<void> => {
    const message = await interaction.editReply(payload);
    originalId = message.id;
  };
  const editor = new ReplyEditor<InteractionEditReplyOptions>({
    edit: editReply,
    statusPayload: (status) => ({
      content: '',
      ...progressCard({ status, elapsedMs: now() - interaction.createdTimestamp, locale, requestId: interaction.id }),
    }),
    minIntervalMs: options.statusIntervalMs,
    canEditStatus: tokenUsable,
    onStatusError: (error) => {
      if (!noteTokenFailure(error, 'status edit')) log.warn({ discord: describeDiscordError(error, secrets) }, 'status edit failed');
    },
  });

  /** Without the token: the public channel for a public reply, else (or when refused there) a direct message. */
  async function sendWithoutToken(message: LateMessage, channelAllowed: boolean): Promise<void> {
    const rest = interaction.client.rest;
    const channelId = channelAllowed && interaction.ephemeral !== true ? interaction.channelId : null;
    const where = await sendLate({ rest, channelId, userId: interaction.user.id, logger: log, secrets }, message);
    log.info({ where }, 'sent without the interaction token');
    if (originalId && interaction.channelId && interaction.ephemeral !== true) {
      // The progress card would otherwise stay, "Editing…" with a Cancel button, above the late answer.
      await rest.delete(Routes.channelMessage(interaction.channelId, originalId)).catch((error: unknown) => {
        log.debug({ discord: describeDiscordError(error, secrets) }, 'could not remove the stale progress card');
      });
    }
  }

  /** A public reply is deleted and the text goes to the requester alone; otherwise the reply becomes the text. */
  async function answerWithToken(content: string): Promise<void> {
    const asReply = () => editReply({ content, embeds: [], components: [], files: [], attachments: [] });
    if (!options.publicReply) return asReply();
    try {
      await interaction.deleteReply();
    } catch (error) {
      if (isTokenGone(error)) throw error;
      // A follow-up to a reply still "thinking" would replace it, publicly: answer in the reply instead.
      log.warn({ discord: describeDiscordError(error, secrets) }, 'could not delete the public reply; answering in it');
      return asReply();
    }
    await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
  }

  return {
    platform: 'discord',
    requestId: interaction.id,
    userId: interaction.user.id,
    communityId: interaction.guildId ?? null,
    locale,
    get finalised() {
      return editor.finalised;
    },
    status(status: string): Promise<void> {
      if (tokenUsable()) editor.status(status);
      return Promise.resolve();
    },
    async deliver(images: readonly ImageData[], caption: string, details?: ResultDetails): Promise<number> {
      const limit = sizeLimitOf(interaction);
      const plan = await planUpload(images, limit);
      if (plan.files.length === 0) {
        throw new BotError('DELIVERY_FAILED', `none of ${images.length} result(s) fit Discord's upload limit of ${limit} bytes, even re-encoded`);
      }
      const limitText = formatLimit(limit, text.intlLocale);
      const notes = [
        ...(plan.reencoded > 0 ? [text.result.reencoded(plan.reencoded, limitText)] : []),
        ...(plan.leftOut > 0 ? [text.result.leftOut(plan.leftOut, images.length, limitText)] : []),
      ];
      const card = resultCard({ caption, details, notes, locale, requestId: interaction.id, buttons: options.resultButtons });
      await editor.finalRun(async () => {
        if (tokenUsable()) {
          try {
            return await editReply({ content: '', ...card, files: attachmentsOf(plan.files), attachments: [] });
          } catch (error) {
            if (!noteTokenFailure(error, 'result upload')) throw discordFailure(error, 'result upload', secrets);
          }
        }
        const mention = userMention(interaction.user.id);
        await sendWithoutToken({ content: text.result.lateDelivery(mention), card, files: plan.files, mentionUserId: interaction.user.id }, true);
      });
      return plan.files.length;
    },
    async finish(finalText: string): Promise<void> {
      const content = clip(finalText, MAX_CONTENT_LENGTH);
      await editor.finalRun(async () => {
        if (tokenUsable()) {
          try {
            return await answerWithToken(content);
          } catch (error) {
            if (!noteTokenFailure(error, 'final reply')) throw discordFailure(error, 'final reply', secrets);
          }
        }
        // Refusals and errors concern the requester alone: never the channel.
        await sendWithoutToken({ content }, false);
      });
    },
    formatInstant: relativeTimestamp,
  };
}

/**
 * A Discord timestamp in relative style (`<t:1763769600:R>`): every client renders it in its own
 * language and time zone ("in 3 hours") and keeps it current, which no text we write could do.
 */
export function relativeTimestamp(at: Date): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:R>`;
}

function sizeLimitOf(interaction: RepliableInteraction): number {
  const limit: unknown = interaction.attachmentSizeLimit;
  return typeof limit === 'number' && Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_ATTACHMENT_SIZE_LIMIT;
}

/** What the interaction was, for logs: the command's name, or the custom_id of a button, menu or form. */
function labelOf(interaction: RepliableInteraction): string {
  if (interaction.isCommand()) return interaction.commandName;
  return interaction.customId;
}
