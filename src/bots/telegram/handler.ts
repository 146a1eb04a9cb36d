import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { Commands } from '../../commands/commands.ts';
import type { ImageSource } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { isBotError } from '../../core/errors.ts';
import { errorMessage } from '../../core/messages.ts';
import type { AdminCheck } from './admins.ts';
import { createTelegramContext } from './context.ts';
import { describeError } from './errors.ts';
import type { InFlight } from './inflight.ts';
import type { ImageRef } from './inputs.ts';
import { resolveTarget, type KnownUsers } from './known-users.ts';
import { toModerationRequest } from './moderation-parse.ts';
import { routeMessage } from './route.ts';
import { clipText, replyOptions, targetOf } from './target.ts';

export interface MessageHandlerOptions {
  readonly api: Api;
  readonly commands: Commands;
  readonly logger: Logger;
  readonly token: string;
  readonly botUsername: string;
  readonly inFlight: InFlight;
  readonly imageSource: (ref: ImageRef) => ImageSource;
  readonly minEditIntervalMs: number;
  readonly knownUsers: KnownUsers;
  readonly admins: AdminCheck;
}

/**
 * Handles one incoming message. It only starts work and returns at once: grammY's long polling
 * handles updates one after another, so awaiting a job here would hold up every other chat.
 */
export function createMessageHandler(options: MessageHandlerOptions): (message: Message) => void {
  const { api, commands, logger, token, inFlight, knownUsers, admins } = options;

  return (message) => {
    // Every sender, so that a moderator can name them by @username later; never fails the message.
    inFlight.track(knownUsers.remember(message), () => undefined);
    const route = routeMessage(message, options.botUsername);
    if (route.kind === 'ignore') return;
    const requestId = `${message.chat.id}:${message.message_id}`;

    if (route.kind === 'reply') {
      const target = targetOf(message);
      inFlight.track(api.sendMessage(target.chatId, clipText(route.text), replyOptions(target)), (error) =>
        logger.warn({ err: describeError(error, token), requestId }, 'telegram reply failed'),
      );
      return;
    }

    const ctx = createTelegramContext(message, { api, logger, token, minEditIntervalMs: options.minEditIntervalMs, admins });
    // Async so that even a command throwing synchronously ends up in the rejection handler below.
    const work = (async () => {
      if (route.kind === 'edit') {
        await commands.edit(ctx, { ...route.options, images: [options.imageSource(route.image)] });
      } else if (route.kind === 'imagine') {
        await commands.imagine(ctx, route.options);
      } else if (route.kind === 'quota') {
        await commands.quota(ctx);
      } else if (route.kind === 'moderate') {
        // A failed @username look-up (the store) throws: the moderator is told, and nothing changes.
        const target = route.command.target && (await resolveTarget(route.command.target, knownUsers));
        await commands.moderate(ctx, toModerationRequest(route.command, target));
      } else {
        await commands.help(ctx);
      }
    })();
    logger.debug({ requestId, command: route.kind }, 'telegram command started');
    inFlight.track(work, (error) => {
      logger.error({ err: describeError(error, token), requestId, command: route.kind }, 'telegram command failed');
      // The commands answer their own failures; this is for the rest (a store failing while a moderator
      // command's @username is looked up, the unexpected), so the user isn't left waiting.
      const code = isBotError(error) ? error.code : 'INTERNAL';
      if (!ctx.answered) inFlight.track(ctx.finish(errorMessage(code)), () => undefined);
    });
  };
}
