import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { Commands } from '../../commands/commands.ts';
import type { ImageSource } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { isBotError } from '../../core/errors.ts';
import { catalogueFor, errorMessage } from '../../core/messages.ts';
import type { AdminCheck } from './admins.ts';
import { AlbumCollector, type Timers } from './album.ts';
import { AlbumMemory } from './album-memory.ts';
import { createTelegramContext } from './context.ts';
import { describeError } from './errors.ts';
import type { InFlight } from './inflight.ts';
import { imageRefOf, type ImageRef } from './inputs.ts';
import { resolveTarget, type KnownUsers } from './known-users.ts';
import { toModerationRequest } from './moderation-parse.ts';
import type { Recipes } from './recipes.ts';
import { routeAlbum, routeMessage, type Route, type RouteOptions } from './route.ts';
import { clipText, replyOptions, targetOf } from './target.ts';

export interface MessageHandlerOptions {
  readonly api: Api;
  readonly commands: Commands;
  readonly logger: Logger;
  readonly token: string;
  readonly botUsername: string;
  readonly inFlight: InFlight;
  readonly imageSource: (ref: ImageRef) => ImageSource;
  /** Override of the per-chat-type interval (1 s private, 3 s groups); tests use it. */
  readonly minEditIntervalMs?: number | undefined;
  readonly knownUsers: KnownUsers;
  readonly admins: AdminCheck;
  /** What each edit or imagine asked for, so its "Again" button can run it once more. */
  readonly recipes: Recipes;
  /** Files declared larger are refused before any job; default 20 MiB (the cloud Bot API's download cap). */
  readonly maxImageBytes?: number | undefined;
  /** Album gathering: the sliding window (default ALBUM_WINDOW_MS) and timers, for tests. */
  readonly albumWindowMs?: number | undefined;
  readonly albumTimers?: Timers | undefined;
}

/**
 * Handles one incoming message. It only starts work and returns at once: grammY's long polling
 * handles updates one after another, so awaiting a job here would hold up every other chat. Album
 * items are gathered first and handled together, once no more have come for a moment.
 */
export function createMessageHandler(options: MessageHandlerOptions): (message: Message) => void {
  const { api, commands, logger, token, inFlight, knownUsers, admins, recipes } = options;
  const albumMemory = new AlbumMemory();
  const routeOptions: RouteOptions = {
    botUsername: options.botUsername,
    maxImageBytes: options.maxImageBytes,
    albumImages: (chatId, messageId) => albumMemory.imagesOf(chatId, messageId),
  };

  const reply = (message: Message, text: string): void => {
    const target = targetOf(message);
    inFlight.track(api.sendMessage(target.chatId, clipText(text), replyOptions(target)), (error) =>
      logger.warn({ err: describeError(error, token), requestId: requestIdOf(message) }, 'telegram reply failed'),
    );
  };

  const albums = new AlbumCollector<Message>({
    windowMs: options.albumWindowMs,
    timers: options.albumTimers,
    onAlbum(items) {
      const { route, anchor } = routeAlbum(items, routeOptions);
      // Remembered even when ignored now: a later `/edit` reply to any item then edits the whole album.
      const sorted = [...items].sort((a, b) => a.message_id - b.message_id);
      const images = sorted.flatMap((item) => imageRefOf(item) ?? []);
      if (images.length > 0) albumMemory.remember(anchor.chat.id, sorted.map((item) => item.message_id), images);
      logger.debug({ requestId: requestIdOf(anchor), items: items.length, route: route.kind }, 'telegram album gathered');
      act(route, anchor);
      // Late items of an album that started a job are worth a word; of an ignored album, they are not.
      return route.kind === 'edit';
    },
  });

  function act(route: Route, message: Message): void {
    if (route.kind === 'ignore') return;
    if (route.kind === 'reply') return reply(message, route.text);
    const requestId = requestIdOf(message);
    if (route.kind === 'edit' || route.kind === 'imagine') saveRecipe(route, message);

    const ctx = createTelegramContext(message, { api, logger, token, minEditIntervalMs: options.minEditIntervalMs, admins });
    // Async so that even a command throwing synchronously ends up in the rejection handler below.
    const work = (async () => {
      if (route.kind === 'edit') {
        await commands.edit(ctx, { ...route.options, images: route.images.map(options.imageSource) });
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
  }

  /** Best effort: without its recipe only the "Again" button fails, so the job never waits for it. */
  function saveRecipe(route: Extract<Route, { kind: 'edit' | 'imagine' }>, message: Message): void {
    const images = route.kind === 'edit' ? route.images : [];
    const userId = message.from?.id ?? 0;
    const saving = (async () => recipes.save(message.chat.id, message.message_id, { kind: route.kind, options: route.options, images, userId }))();
    inFlight.track(saving, (error) =>
      logger.warn({ err: describeError(error, token), requestId: requestIdOf(message) }, 'telegram recipe not saved'),
    );
  }

  return (message) => {
    // Every sender, so that a moderator can name them by @username later; never fails the message.
    inFlight.track(knownUsers.remember(message), () => undefined);
    if (message.media_group_id !== undefined && (message.photo !== undefined || message.document !== undefined)) {
      const added = albums.add(`${message.chat.id}:${message.media_group_id}`, message);
      // So that shutdown waits for an album still gathering (and the job it then starts).
      if (added.kind === 'started') inFlight.track(added.flushed, () => undefined);
      if (added.kind === 'late' && added.notify) reply(message, catalogueFor(message.from?.language_code).chat.albumTakenLate(added.takenCount));
      return;
    }
    act(routeMessage(message, routeOptions), message);
  };
}

function requestIdOf(message: Message): string {
  return `${message.chat.id}:${message.message_id}`;
}
