import { Routes, userMention, type REST } from 'discord.js';
import type { CommandContext, ResultDetails } from '../../commands/context.ts';
import { BotError } from '../../core/errors.ts';
import type { ImageData } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { catalogueFor } from '../../core/messages.ts';
import { describeDiscordError, discordFailure } from './errors.ts';
import { isTokenGone, sendLate, tokenExpired, type LateMessage } from './late-delivery.ts';
import { clip, progressCard } from './progress-card.ts';
import { ReplyEditor } from './reply-editor.ts';
import type { ReplyMessage, ReplyPort } from './reply-port.ts';
import { resultCard } from './result-card.ts';
import { formatLimit, planUpload } from './result-files.ts';
import type { DiscordTarget } from './target.ts';

/** Discord's default per-file upload limit, used when an interaction does not say its own. */
export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;
/** Content length of webhook and interaction messages. */
const MAX_CONTENT_LENGTH = 2000;

export interface ReplyContextOptions {
  /** Posts without the token (channel, direct message) and removes a stale card: the bot's own REST client. */
  readonly rest: REST;
  readonly logger: Logger;
  /** Minimum gap between two progress edits of the reply. */
  readonly statusIntervalMs: number;
  /** Kept out of logs and errors besides the interaction token: the bot token. */
  readonly secrets: readonly (string | undefined)[];
  /** The clock the 15-minute token lifetime is measured with; `Date.now` unless a test says otherwise. */
  readonly now?: (() => number) | undefined;
}

/** A CommandContext plus what the adapter itself needs to know after the command returned. */
export interface InteractionContext extends CommandContext {
  /** True once the command sent its final word (result or text). */
  readonly finalised: boolean;
  /**
   * Resolves when every edit asked for so far was attempted. A status edit is sent after the command
   * returned (it is throttled): a process that stops waits for this, or the last card ("paused for a
   * restart") would be lost.
   */
  idle(): Promise<void>;
}

/**
 * The CommandContext of one deferred Discord request, whoever holds it: the process that received the
 * interaction, or one that picked the job up after a restart with nothing but its stored target.
 * Progress is a card in the deferred reply, the result replaces it. When the token has expired
 * (15 minutes) or stops working, the final word goes without it: to the channel, or by direct
 * message. The interaction token never appears in what this throws or logs.
 */
export function createReplyContext(reply: ReplyPort, initial: DiscordTarget, options: ReplyContextOptions): InteractionContext {
  const secrets = [initial.token, ...options.secrets];
  const log = options.logger;
  const now = options.now ?? Date.now;
  const { locale, interactionId: requestId, userId, channelId, createdAt } = initial;
  const text = catalogueFor(locale);
  let tokenDead = false;
  /** The deferred reply's message, once known; lets a late delivery remove the stale card. */
  let originalId = initial.originalMessageId;
  const tokenUsable = () => !tokenDead && !tokenExpired(createdAt, now());
  const noteTokenFailure = (error: unknown, what: string): boolean => {
    if (!isTokenGone(error)) return false;
    tokenDead = true;
    log.info({ discord: describeDiscordError(error, secrets) }, `${what}: the interaction token no longer works`);
    return true;
  };

  const editOriginal = async (message: ReplyMessage): Promise<void> => {
    originalId = await reply.editOriginal(message);
  };
  const editor = new ReplyEditor<ReplyMessage>({
    edit: editOriginal,
    statusPayload: (status) => ({ content: '', card: progressCard({ status, elapsedMs: now() - createdAt, locale, requestId }) }),
    minIntervalMs: options.statusIntervalMs,
    canEditStatus: tokenUsable,
    onStatusError: (error) => {
      if (!noteTokenFailure(error, 'status edit')) log.warn({ discord: describeDiscordError(error, secrets) }, 'status edit failed');
    },
  });

  /** Without the token: the public channel for a public reply, else (or when refused there) a direct message. */
  async function sendWithoutToken(message: LateMessage, channelAllowed: boolean): Promise<void> {
    const rest = options.rest;
    const where = await sendLate({ rest, channelId: channelAllowed && initial.publicReply ? channelId : null, userId, logger: log, secrets }, message);
    log.info({ where }, 'sent without the interaction token');
    if (originalId && channelId && initial.publicReply) {
      // The progress card would otherwise stay, "Editing…" with a Cancel button, above the late answer.
      await rest.delete(Routes.channelMessage(channelId, originalId)).catch((error: unknown) => {
        log.debug({ discord: describeDiscordError(error, secrets) }, 'could not remove the stale progress card');
      });
    }
  }

  /** A public reply is deleted and the text goes to the requester alone; otherwise the reply becomes the text. */
  async function answerWithToken(content: string): Promise<void> {
    const asReply = () => editOriginal({ content, files: [] });
    if (!initial.publicReply) return asReply();
    try {
      await reply.deleteOriginal();
      originalId = undefined;
    } catch (error) {
      if (isTokenGone(error)) throw error;
      // A follow-up to a reply still "thinking" would replace it, publicly: answer in the reply instead.
      log.warn({ discord: describeDiscordError(error, secrets) }, 'could not delete the public reply; answering in it');
      return asReply();
    }
    await reply.followUp(content);
  }

  return {
    platform: 'discord',
    requestId,
    userId,
    communityId: initial.guildId,
    locale,
    get finalised() {
      return editor.finalised;
    },
    idle: () => editor.idle(),
    status(status: string): Promise<void> {
      if (tokenUsable()) editor.status(status);
      return Promise.resolve();
    },
    async deliver(images: readonly ImageData[], caption: string, details?: ResultDetails): Promise<number> {
      const limit = initial.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT;
      const plan = await planUpload(images, limit);
      if (plan.files.length === 0) {
        throw new BotError('DELIVERY_FAILED', `none of ${images.length} result(s) fit Discord's upload limit of ${limit} bytes, even re-encoded`);
      }
      const limitText = formatLimit(limit, text.intlLocale);
      const notes = [
        ...(plan.reencoded > 0 ? [text.result.reencoded(plan.reencoded, limitText)] : []),
        ...(plan.leftOut > 0 ? [text.result.leftOut(plan.leftOut, images.length, limitText)] : []),
      ];
      const card = resultCard({ caption, details, notes, locale, requestId, buttons: initial.resultButtons });
      await editor.finalRun(async () => {
        if (tokenUsable()) {
          try {
            return await editOriginal({ content: '', card, files: plan.files });
          } catch (error) {
            if (!noteTokenFailure(error, 'result upload')) throw discordFailure(error, 'result upload', secrets);
          }
        }
        await sendWithoutToken({ content: text.result.lateDelivery(userMention(userId)), card, files: plan.files, mentionUserId: userId }, true);
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
    // Read at every job save: the reply's message id appears after the first progress edit.
    target: (): DiscordTarget => {
      const { originalMessageId: _stored, ...target } = initial;
      return originalId === undefined ? target : { ...target, originalMessageId: originalId };
    },
  };
}

/**
 * A Discord timestamp in relative style (`<t:1763769600:R>`): every client renders it in its own
 * language and time zone ("in 3 hours") and keeps it current, which no text we write could do.
 */
export function relativeTimestamp(at: Date): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:R>`;
}
