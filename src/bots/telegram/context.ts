import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { CommandContext } from '../../commands/context.ts';
import type { ModeratorContext } from '../../commands/moderation-context.ts';
import { BotError } from '../../core/errors.ts';
import type { ImageData } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { catalogueFor } from '../../core/messages.ts';
import { AdminCheck, isAnonymousGroupAdmin } from './admins.ts';
import { deliverImages } from './deliver.ts';
import { conversationOf, telegramTargetOf, type Conversation, type TelegramTarget } from './delivery-target.ts';
import { cancelKeyboard, sendAsFileKeyboard, summaryKeyboard } from './keyboards.ts';
import { userLabel } from './moderation-parse.ts';
import { resultsCacheOf } from './results-cache.ts';
import { createStatusMessage } from './status.ts';

/** Telegram's edit limits: about 20 a minute in a group; private chats tolerate about one a second. */
export const GROUP_EDIT_INTERVAL_MS = 3_000;
export const PRIVATE_EDIT_INTERVAL_MS = 1_000;

export function editIntervalFor(chatType: Message['chat']['type']): number {
  return chatType === 'private' ? PRIVATE_EDIT_INTERVAL_MS : GROUP_EDIT_INTERVAL_MS;
}

/** What every Telegram context needs from the running bot. */
export interface ReplyContextDeps {
  readonly api: Api;
  readonly logger: Logger;
  readonly token: string;
  /** Overrides the per-chat-type interval between progress edits (tests); see editIntervalFor. */
  readonly minEditIntervalMs?: number | undefined;
  /** Renewal of the upload_photo chat action; default 4.5 s. */
  readonly chatActionIntervalMs?: number | undefined;
}

export interface TelegramContextOptions extends ReplyContextDeps {
  /** The bot's shared admin check (with its cache); without one, this context asks Telegram itself. */
  readonly admins?: AdminCheck | undefined;
  /** Default `chatId:messageId` of the message; an "Again" press gives its own (see callbacks.ts). */
  readonly requestId?: string | undefined;
}

/** A CommandContext that also says whether the request got its last word. */
export interface TelegramReplyContext extends CommandContext {
  /** True once the request got its last word (`deliver` or `finish`). */
  readonly answered: boolean;
  target(): TelegramTarget;
}

/**
 * The CommandContext (a ModeratorContext, so moderator commands can use it too) plus what the
 * adapter itself needs to know about the conversation.
 */
export interface TelegramCommandContext extends ModeratorContext {
  readonly answered: boolean;
  target(): TelegramTarget;
}

/** A CommandContext for one user message (see createReplyContext), able to run moderator commands too. */
export function createTelegramContext(message: Message, options: TelegramContextOptions): TelegramCommandContext {
  const { api, token } = options;
  if (!message.from) throw new BotError('INTERNAL', 'a Telegram message without a sender reached a command');
  const from = message.from;
  // Onto the reply context itself, so that its `answered` getter stays live.
  return Object.assign(createReplyContext(conversationOf(message, options.requestId), options), {
    actorName: isAnonymousGroupAdmin(message) ? 'anonymous admin' : userLabel(from),
    isCommunityModerator: () => (options.admins ?? new AdminCheck({ api, token })).isModerator(message),
  });
}

/**
 * The answers to one request, all replying to the user's message: a status message (with a Cancel
 * button while the job can still be cancelled) that is edited as the job progresses, the result
 * images, and the final summary on the status message with Again / Edit again / Send as file
 * buttons. `statusMessageId` adopts the status message an earlier process sent (after a restart).
 */
export function createReplyContext(conversation: Conversation, deps: ReplyContextDeps, statusMessageId?: number): TelegramReplyContext {
  const { api, logger, token } = deps;
  const target = conversation;
  const status = createStatusMessage({
    api,
    target,
    logger,
    token,
    minEditIntervalMs: deps.minEditIntervalMs ?? editIntervalFor(conversation.chatType),
    messageId: statusMessageId,
    ...(deps.chatActionIntervalMs === undefined ? {} : { chatActionIntervalMs: deps.chatActionIntervalMs }),
  });
  const { requestId, locale } = conversation;
  const say = catalogueFor(locale);
  const cancel = cancelKeyboard(requestId, say.buttons);
  return {
    platform: 'telegram',
    requestId,
    // For the anonymous admin this is GroupAnonymousBot's id: their own is hidden from the bot.
    userId: String(conversation.userId),
    communityId: conversation.chatType === 'private' ? null : String(conversation.chatId),
    locale,
    get answered() {
      return status.finished;
    },
    status(text) {
      // Paused for a restart: this process's last word on the request, so it is written now (not
      // throttled, as the process is about to exit) and without Cancel (no process runs the job
      // until the next start resumes it and shows the button again).
      if (text === say.suspended()) return status.final(text);
      // Cancel is offered while it can still work: the results, once in hand, are delivered anyway.
      return status.update(text, text === say.delivering() ? undefined : cancel);
    },
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
    // Read at every save of the job: the record gets the status message's id as soon as it exists.
    target: () => telegramTargetOf(conversation, status.messageId),
  };
}
