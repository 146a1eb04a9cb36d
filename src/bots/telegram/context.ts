import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { CommandContext } from '../../commands/context.ts';
import { BotError } from '../../core/errors.ts';
import type { ImageData } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { sendImages } from './deliver.ts';
import { createStatusMessage } from './status.ts';
import { targetOf } from './target.ts';

export interface TelegramContextOptions {
  readonly api: Api;
  readonly logger: Logger;
  readonly token: string;
  readonly minEditIntervalMs: number;
}

/** The CommandContext plus what the adapter itself needs to know about the conversation. */
export interface TelegramCommandContext extends CommandContext {
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

  return {
    platform: 'telegram',
    requestId: `${message.chat.id}:${message.message_id}`,
    userId: String(message.from.id),
    communityId: message.chat.type === 'private' ? null : String(message.chat.id),
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
