import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { ModeratorContext } from '../../commands/moderation-context.ts';
import { BotError } from '../../core/errors.ts';
import type { ImageData } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { catalogueFor } from '../../core/messages.ts';
import { AdminCheck, isAnonymousGroupAdmin } from './admins.ts';
import { deliverImages } from './deliver.ts';
import { cancelKeyboard, sendAsFileKeyboard, summaryKeyboard } from './keyboards.ts';
import { userLabel } from './moderation-parse.ts';
import { resultsCacheOf } from './results-cache.ts';
import { createStatusMessage } from './status.ts';
import { targetOf } from './target.ts';

/** Telegram's edit limits: about 20 a minute in a group; private chats tolerate about one a second. */
export const GROUP_EDIT_INTERVAL_MS = 3_000;
export const PRIVATE_EDIT_INTERVAL_MS = 1_000;

export function editIntervalFor(chatType: Message['chat']['type']): number {
  return chatType === 'private' ? PRIVATE_EDIT_INTERVAL_MS : GROUP_EDIT_INTERVAL_MS;
}

export interface TelegramContextOptions {
  readonly api: Api;
  readonly logger: Logger;
  readonly token: string;
  /** Overrides the per-chat-type interval between progress edits (tests); see editIntervalFor. */
  readonly minEditIntervalMs?: number | undefined;
  /** The bot's shared admin check (with its cache); without one, this context asks Telegram itself. */
  readonly admins?: AdminCheck | undefined;
  /** Default `chatId:messageId` of the message; an "Again" press gives its own (see callbacks.ts). */
  readonly requestId?: string | undefined;
  /** Renewal of the upload_photo chat action; default 4.5 s. */
  readonly chatActionIntervalMs?: number | undefined;
}

/**
 * The CommandContext (a ModeratorContext, so moderator commands can use it too) plus what the
 * adapter itself needs to know about the conversation.
 */
export interface TelegramCommandContext extends ModeratorContext {
  /** True once the request got its last word (`deliver` or `finish`). */
  readonly answered: boolean;
}

/**
 * A CommandContext for one user message. Every answer replies to that message: a status message
 * (with a Cancel button while the job can still be cancelled) that is edited as the job progresses,
 * the result images, and the final summary on the status message with Again / Edit again / Send as
 * file buttons.
 */
export function createTelegramContext(message: Message, options: TelegramContextOptions): TelegramCommandContext {
  const { api, logger, token } = options;
  if (!message.from) throw new BotError('INTERNAL', 'a Telegram message without a sender reached a command');
  const target = targetOf(message);
  const status = createStatusMessage({
    api,
    target,
    logger,
    token,
    minEditIntervalMs: options.minEditIntervalMs ?? editIntervalFor(message.chat.type),
    ...(options.chatActionIntervalMs === undefined ? {} : { chatActionIntervalMs: options.chatActionIntervalMs }),
  });
  const from = message.from;
  const requestId = options.requestId ?? `${message.chat.id}:${message.message_id}`;
  const locale = from.language_code;
  const say = catalogueFor(locale);
  const cancel = cancelKeyboard(requestId, say.buttons);

  return {
    platform: 'telegram',
    requestId,
    // For the anonymous admin this is GroupAnonymousBot's id: their own is hidden from the bot.
    userId: String(from.id),
    communityId: message.chat.type === 'private' ? null : String(message.chat.id),
    locale,
    actorName: isAnonymousGroupAdmin(message) ? 'anonymous admin' : userLabel(from),
    isCommunityModerator: () => (options.admins ?? new AdminCheck({ api, token })).isModerator(message),
    get answered() {
      return status.finished;
    },
    // Cancel is offered while it can still work: the results, once in hand, are delivered anyway.
    status: (text) => status.update(text, text === say.delivering() ? undefined : cancel),
    async deliver(images: readonly ImageData[], caption: string): Promise<number> {
      // Images come after any status message already on its way, so the conversation reads in order.
      await status.freeze();
      const report =
        images.length === 0
          ? undefined
          : await deliverImages(images, { api, target, logger, token, singlePhotoMarkup: sendAsFileKeyboard(requestId, say.buttons) });
      if (!report || report.sent === 0) throw new BotError('DELIVERY_FAILED', `Telegram accepted none of ${images.length} result images`);
      resultsCacheOf(api).put(requestId, { images, firstMessageId: report.firstMessageId });
      // Several photos went as an album, which cannot carry buttons: their "Send as files" is here.
      const filesOnSummary = report.photos > 0 && !report.photoButtons;
      await status.final(caption, summaryKeyboard(requestId, { chatId: target.chatId, messageId: target.messageId }, filesOnSummary, say.buttons));
      return report.sent;
    },
    finish: (text) => status.final(text),
  };
}
