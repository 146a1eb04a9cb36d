import type { Message } from 'grammy/types';

/** Where the answers to one user message go: its chat, as replies to it, in its forum topic if any. */
export interface ReplyTarget {
  readonly chatId: number;
  readonly messageId: number;
  /** Set only for forum topics: elsewhere a thread id can make Telegram refuse the message. */
  readonly threadId?: number | undefined;
}

export function targetOf(message: Message): ReplyTarget {
  return {
    chatId: message.chat.id,
    messageId: message.message_id,
    threadId: message.is_topic_message ? message.message_thread_id : undefined,
  };
}

/**
 * Options for a message that replies to the user's message. `allow_sending_without_reply` keeps a paid
 * result from being lost when the user deleted their message meanwhile.
 */
export function replyOptions(target: ReplyTarget): {
  reply_parameters: { message_id: number; allow_sending_without_reply: boolean };
  message_thread_id?: number;
} {
  const options = { reply_parameters: { message_id: target.messageId, allow_sending_without_reply: true } };
  return target.threadId === undefined ? options : { ...options, message_thread_id: target.threadId };
}

/** Telegram's limit on message text. */
const MAX_TEXT_LENGTH = 4096;

/** Text Telegram accepts: not empty after trimming (checked by callers) and at most 4096 characters. */
export function clipText(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= MAX_TEXT_LENGTH ? trimmed : `${trimmed.slice(0, MAX_TEXT_LENGTH - 1)}…`;
}
