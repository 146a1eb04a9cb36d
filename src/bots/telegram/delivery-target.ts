import type { Message } from 'grammy/types';
import { z } from 'zod';
import type { DeliveryTarget } from '../../core/jobs/types.ts';
import type { ReplyTarget } from './target.ts';

/**
 * One Telegram request as a conversation: the chat, the user's message every answer replies to, who
 * asked and in which language. Everything a context needs, whether it was made from a live message or
 * rebuilt from a job record after a restart.
 */
export interface Conversation extends ReplyTarget {
  readonly chatType: Message['chat']['type'];
  readonly userId: number;
  readonly locale?: string | undefined;
  /** `chatId:messageId`, or `chatId:summaryId:again` for an Again (the message stays the original). */
  readonly requestId: string;
}

/**
 * Where a Telegram request is answered, as the job record keeps it: the conversation, plus the status
 * message once it was sent, so that the next process edits that message instead of starting another.
 * Holds no credential: the bot token is the process's own.
 */
export interface TelegramTarget extends DeliveryTarget, Conversation {
  readonly platform: 'telegram';
  readonly statusMessageId?: number | undefined;
}

const messageId = z.number().int().positive();

const targetSchema = z.object({
  platform: z.literal('telegram'),
  chatId: z.number().int().refine((id) => id !== 0),
  messageId,
  threadId: messageId.optional(),
  chatType: z.enum(['private', 'group', 'supergroup', 'channel']),
  userId: z.number().int().positive(),
  locale: z.string().max(35).optional(),
  requestId: z.string().regex(/^-?\d+:\d+(?::again)?$/),
  statusMessageId: messageId.optional(),
});

/** The conversation of a live message; `requestId` defaults to `chatId:messageId`. */
export function conversationOf(message: Message, requestId?: string): Conversation {
  return withoutUndefined({
    chatId: message.chat.id,
    messageId: message.message_id,
    threadId: message.is_topic_message ? message.message_thread_id : undefined,
    chatType: message.chat.type,
    // The caller checked there is a sender: a message without one never reaches a command.
    userId: message.from?.id ?? 0,
    locale: message.from?.language_code,
    requestId: requestId ?? `${message.chat.id}:${message.message_id}`,
  });
}

/** What the job record stores: plain JSON, with no `undefined` fields (they would vanish in the store anyway). */
export function telegramTargetOf(conversation: Conversation, statusMessageId: number | undefined): TelegramTarget {
  return withoutUndefined({ platform: 'telegram', ...conversation, statusMessageId });
}

/**
 * A stored target read back: undefined when it is not a Telegram target or is damaged (the job then
 * cannot be answered and is refunded). Unknown fields, from another version, are dropped.
 */
export function parseTelegramTarget(target: DeliveryTarget): TelegramTarget | undefined {
  const parsed = targetSchema.safeParse(target);
  return parsed.success ? withoutUndefined(parsed.data) : undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
