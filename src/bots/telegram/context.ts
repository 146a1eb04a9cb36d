import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { ModeratorContext } from '../../commands/moderation-context.ts';
import { BotError } from '../../core/errors.ts';
import type { ImageData } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { AdminCheck, isAnonymousGroupAdmin } from './admins.ts';
import { sendImages } from './deliver.ts';
import { userLabel } from './moderation-parse.ts';
import { createStatusMessage } from './status.ts';
import { targetOf } from './target.ts';

export interface TelegramContextOptions {
  readonly api: Api;
  readonly logger: Logger;
  readonly token: string;
  readonly minEditIntervalMs: number;
  /** The bot's shared admin check (with its cache); without one, this context asks Telegram itself. */
  readonly admins?: AdminCheck | undefined;
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
 * that is edited as the job progresses, the result images, and the final summary on the status message.
 */
export function createTelegramContext(message: Message, options: TelegramContextOptions): TelegramCommandContext {
  const { api, logger, token } = options;
  if (!message.from) throw new BotError('INTERNAL', 'a Telegram message without a sender reached a command');
  const target = targetOf(message);
  const status = createStatusMessage({ api, target, logger, token, minEditIntervalMs: options.minEditIntervalMs });
  const from = message.from;

  return {
    platform: 'telegram',
    requestId: `${message.chat.id}:${message.message_id}`,
    // For the anonymous admin this is GroupAnonymousBot's id: their own is hidden from the bot.
    userId: String(from.id),
    communityId: message.chat.type === 'private' ? null : String(message.chat.id),
    actorName: isAnonymousGroupAdmin(message) ? 'anonymous admin' : userLabel(from),
    isCommunityModerator: () => (options.admins ?? new AdminCheck({ api, token })).isModerator(message),
    get answered() {
      return status.finished;
    },
    status: (text) => status.update(text),
    async deliver(images: readonly ImageData[], caption: string): Promise<number> {
      // Images come after any status message already on its way, so the conversation reads in order.
      await status.settled();
      const sent = images.length === 0 ? 0 : await sendImages(images, { api, target, logger, token });
      if (sent === 0) throw new BotError('DELIVERY_FAILED', `Telegram accepted none of ${images.length} result images`);
      await status.final(caption);
      return sent;
    },
    finish: (text) => status.final(text),
  };
}
