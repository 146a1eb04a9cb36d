import type { CallbackQuery, Message } from 'grammy/types';
import type { ButtonTexts } from '../../core/i18n/sections.ts';
import { catalogueFor, errorMessage } from '../../core/messages.ts';
import type { MessageHandlerOptions } from './handler.ts';
import { createTelegramContext } from './context.ts';
import { deliverImages } from './deliver.ts';
import { describeError } from './errors.ts';
import { parseCallbackData, type ButtonAction } from './keyboards.ts';
import { resultsCacheOf } from './results-cache.ts';
import type { ReplyTarget } from './target.ts';
import { isBotError } from '../../core/errors.ts';

/** The buttons need what the message handler has, so Again downloads the same files the same way. */
export type CallbackHandlerOptions = Pick<
  MessageHandlerOptions,
  'api' | 'commands' | 'logger' | 'token' | 'inFlight' | 'recipes' | 'imageSource' | 'minEditIntervalMs' | 'admins'
>;

/** Again request ids already started here; a double click must not even reach the core's dedupe. */
const MAX_REMEMBERED_AGAIN = 1_000;

/**
 * Handles a button press (callback_query). Like the message handler it only starts work and returns:
 * an Again runs a whole job. Every press is answered (answerCallbackQuery), or the user's client
 * shows a spinner until it times out.
 */
export function createCallbackHandler(options: CallbackHandlerOptions): (query: CallbackQuery) => void {
  const { api, logger, token, inFlight } = options;
  const startedAgain = new Set<string>();

  return (query) => {
    const action = query.data === undefined ? null : parseCallbackData(query.data);
    const work = (async () => {
      // An inaccessible message (too old) has date 0 and no content to act on.
      const message = query.message && query.message.date !== 0 ? (query.message as Message) : undefined;
      if (!action || !message) return answer(query, catalogueFor(query.from.language_code).buttons.gone);
      await press(action, query, message);
    })();
    inFlight.track(work, (error) => {
      logger.warn({ err: describeError(error, token), data: query.data }, 'telegram button press failed');
      inFlight.track(answer(query, errorMessage(isBotError(error) ? error.code : 'INTERNAL', undefined, query.from.language_code)), () => undefined);
    });
  };

  async function answer(query: CallbackQuery, text?: string): Promise<void> {
    await api.answerCallbackQuery(query.id, text ? { text: text.slice(0, 200) } : {}).catch((error: unknown) => {
      // The query expired (15 s) or was answered: nothing to do about it.
      logger.debug({ err: describeError(error, token) }, 'telegram answerCallbackQuery failed');
    });
  }

  async function press(action: ButtonAction, query: CallbackQuery, message: Message): Promise<void> {
    const say = catalogueFor(query.from.language_code);
    const here: ReplyTarget = {
      chatId: message.chat.id,
      messageId: message.message_id,
      threadId: message.is_topic_message ? message.message_thread_id : undefined,
    };
    switch (action.kind) {
      case 'cancel': {
        const result = options.commands.cancel('telegram', action.requestId, String(query.from.id));
        // Success is confirmed by the job itself, whose status message becomes "Cancelled…".
        return answer(query, result === 'cancelled' ? say.buttons.cancelling : say.cancelRefused(result));
      }
      case 'files': {
        const cached = await resultsCacheOf(api).get(action.requestId);
        if (!cached) return answer(query, say.buttons.gone);
        await answer(query);
        const report = await deliverImages(cached.images, { api, target: here, logger, token, asDocuments: true });
        if (report.sent === 0) logger.warn({ requestId: action.requestId }, 'telegram could not resend results as files');
        return;
      }
      case 'editAgain': {
        await answer(query);
        const resultId = resultsCacheOf(api).firstMessageIdOf(action.requestId) ?? message.message_id;
        const username = query.from.username;
        await api.sendMessage(message.chat.id, say.buttons.editAgainPrompt(message.chat.type === 'private', username), {
          reply_parameters: { message_id: resultId, allow_sending_without_reply: true },
          ...(here.threadId === undefined ? {} : { message_thread_id: here.threadId }),
          // Selective: in a group only the mentioned user gets the reply field opened.
          reply_markup: { force_reply: true, selective: username !== undefined, input_field_placeholder: say.buttons.promptLabel },
        });
        return;
      }
      case 'again':
        return again(action, query, message, say.buttons);
    }
  }

  async function again(action: Extract<ButtonAction, { kind: 'again' }>, query: CallbackQuery, summary: Message, texts: ButtonTexts): Promise<void> {
    const recipe = action.chatId === summary.chat.id ? await options.recipes.load(action.chatId, action.messageId) : undefined;
    if (!recipe) return answer(query, texts.gone);
    if (recipe.userId !== query.from.id) return answer(query, texts.notYourRequest);
    // One request per summary message: a double click is the same request (deduped here and by the
    // core's job id), and every Again gets a new summary whose own Again is a new request.
    const requestId = `${summary.chat.id}:${summary.message_id}:again`;
    if (startedAgain.has(requestId)) return answer(query, texts.alreadyAgain);
    remember(requestId);
    await answer(query);
    // The new request answers the user's original message, as if they had sent it once more.
    const original = {
      message_id: action.messageId,
      date: summary.date,
      chat: summary.chat,
      from: query.from,
      ...(summary.is_topic_message ? { is_topic_message: true, message_thread_id: summary.message_thread_id } : {}),
    } as Message;
    const ctx = createTelegramContext(original, {
      api,
      logger,
      token,
      minEditIntervalMs: options.minEditIntervalMs,
      admins: options.admins,
      requestId,
    });
    logger.debug({ requestId, kind: recipe.kind }, 'telegram again started');
    if (recipe.kind === 'imagine') await options.commands.imagine(ctx, recipe.options);
    else await options.commands.edit(ctx, { ...recipe.options, images: recipe.images.map(options.imageSource) });
  }

  function remember(requestId: string): void {
    startedAgain.add(requestId);
    if (startedAgain.size > MAX_REMEMBERED_AGAIN) {
      const oldest = startedAgain.values().next().value;
      if (oldest !== undefined) startedAgain.delete(oldest);
    }
  }
}
