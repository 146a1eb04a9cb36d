import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import { BotError } from '../../core/errors.ts';
import { describeError } from './errors.ts';

/**
 * Telegram's @GroupAnonymousBot. A group admin who posts "as the group" arrives as this user, with
 * the group itself as `sender_chat`; their own id is hidden from everyone, the bot included.
 */
export const ANONYMOUS_ADMIN_USER_ID = 1087968824;

/**
 * How long one getChatMember answer is trusted, for "is admin" and "is not" alike. Short, so that a
 * demoted admin loses the commands within a minute; long enough that a moderator's burst of commands
 * costs one Bot API call rather than one each.
 */
export const ADMIN_CACHE_MS = 60_000;

/** Cached answers kept at most; above this, expired ones are dropped first, then the oldest. */
const MAX_CACHED = 5_000;

/**
 * True for a message the group's anonymous admin sent in that very group. Only Telegram sets
 * `sender_chat`; requiring it to be this chat means an anonymous admin of some other group (anyone can
 * make a group and add the bot) counts for nothing here.
 */
export function isAnonymousGroupAdmin(message: Message): boolean {
  return (
    message.chat.type !== 'private' &&
    message.from?.id === ANONYMOUS_ADMIN_USER_ID &&
    message.sender_chat !== undefined &&
    message.sender_chat.id === message.chat.id
  );
}

export interface AdminCheckOptions {
  readonly api: Api;
  /** Scrubbed from error texts. */
  readonly token: string;
  readonly ttlMs?: number;
  /** Milliseconds since the epoch; a seam for tests. */
  readonly now?: () => number;
}

/**
 * Whether the sender of a message moderates its group: creator or administrator there, by
 * getChatMember, cached per (chat, user). A failed call is thrown, never taken as an answer.
 */
export class AdminCheck {
  readonly #api: Api;
  readonly #token: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** The promise itself is cached, so commands arriving together share one call. */
  readonly #cache = new Map<string, { readonly until: number; readonly answer: Promise<boolean> }>();

  constructor(options: AdminCheckOptions) {
    this.#api = options.api;
    this.#token = options.token;
    this.#ttlMs = options.ttlMs ?? ADMIN_CACHE_MS;
    this.#now = options.now ?? Date.now;
  }

  isModerator(message: Message): Promise<boolean> {
    if (message.chat.type === 'private') return Promise.resolve(false);
    if (isAnonymousGroupAdmin(message)) return Promise.resolve(true);
    // Any other message on behalf of a chat (a channel speaking in the group) is no admin's.
    if (!message.from || message.sender_chat) return Promise.resolve(false);
    return this.#cached(message.chat.id, message.from.id);
  }

  #cached(chatId: number, userId: number): Promise<boolean> {
    const key = `${chatId}:${userId}`;
    const now = this.#now();
    const hit = this.#cache.get(key);
    if (hit && hit.until > now) return hit.answer;
    const answer = this.#ask(chatId, userId);
    const entry = { until: now + this.#ttlMs, answer };
    this.#cache.delete(key);
    this.#cache.set(key, entry);
    this.#trim(now);
    // A failure is not an answer: the next command asks again.
    answer.catch(() => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    });
    return answer;
  }

  async #ask(chatId: number, userId: number): Promise<boolean> {
    try {
      const member = await this.#api.getChatMember(chatId, userId);
      return member.status === 'creator' || member.status === 'administrator';
    } catch (error) {
      // Not the grammY error itself: an HttpError carries the request URL, and with it the token.
      throw new BotError('INTERNAL', `could not check whether the sender is an admin: ${describeError(error, this.#token)}`);
    }
  }

  #trim(now: number): void {
    if (this.#cache.size <= MAX_CACHED) return;
    for (const [key, entry] of this.#cache) if (entry.until <= now) this.#cache.delete(key);
    for (const key of this.#cache.keys()) {
      if (this.#cache.size <= MAX_CACHED) break;
      this.#cache.delete(key);
    }
  }
}
