import type { Message, User } from 'grammy/types';
import type { Keyv } from 'keyv';
import type { TargetRef } from '../../commands/moderation-context.ts';
import { toBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Storage } from '../../core/store/storage.ts';
import type { TargetQuery } from './moderation-parse.ts';

/** What the bot knows about a `@username`: the Bot API has no way to look one up, so we remember. */
export interface KnownUser {
  readonly id: number;
  readonly isBot: boolean;
}

const NAMESPACE = 'telegram-users';
/**
 * Usernames whose stored record this process wrote; most messages come from people already stored,
 * and this spares the store a write for each. Bounded so a busy bot's memory stays flat.
 */
const MAX_REMEMBERED = 10_000;

/**
 * The `@username → user` records behind moderator commands like `/quota_set @bob 20`. Every sender
 * (and replied-to sender) the bot sees is written to the store, only when it changed; look-ups read
 * the store, so several processes sharing one store know the same users.
 */
export class KnownUsers {
  readonly #store: Keyv<KnownUser>;
  readonly #logger: Logger;
  /** Lower-cased username → `id:isBot` as last written. */
  readonly #written = new Map<string, string>();
  readonly #pending = new Set<Promise<void>>();

  constructor(storage: Storage, logger: Logger) {
    this.#store = storage.keyv<KnownUser>(NAMESPACE);
    this.#logger = logger;
  }

  /**
   * Remembers the sender of a message and of the message it replies to. Never rejects: a store
   * failure here must not stop an ordinary message, so it is logged and forgotten.
   */
  remember(message: Message): Promise<void> {
    const users = [message.from, message.reply_to_message?.from].filter((user): user is User => user !== undefined);
    return Promise.all(users.map((user) => this.rememberUser(user))).then(() => undefined);
  }

  rememberUser(user: User): Promise<void> {
    if (!user.username) return Promise.resolve();
    const key = user.username.toLowerCase();
    const record: KnownUser = { id: user.id, isBot: user.is_bot };
    const signature = `${record.id}:${record.isBot}`;
    if (this.#written.get(key) === signature) return Promise.resolve();
    // Marked before the write, so a burst of messages from one person writes once.
    this.#mark(key, signature);
    const write = this.#store.set(key, record).then(
      () => undefined,
      (error: unknown) => {
        if (this.#written.get(key) === signature) this.#written.delete(key);
        this.#logger.warn({ err: toBotError(error).message }, 'could not remember a Telegram username');
      },
    );
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
    return write;
  }

  /**
   * The user behind a `@username` (with or without the `@`, any case); undefined when never seen.
   * Waits for writes already started, so a message is known once the bot has seen it. A store
   * failure is thrown as STORE_UNAVAILABLE: the moderator must learn the command did nothing.
   */
  async lookup(username: string): Promise<KnownUser | undefined> {
    await Promise.allSettled([...this.#pending]);
    let found: unknown;
    try {
      found = await this.#store.get(username.replace(/^@/, '').toLowerCase());
    } catch (error) {
      throw toBotError(error, 'STORE_UNAVAILABLE');
    }
    return isKnownUser(found) ? found : undefined;
  }

  #mark(key: string, signature: string): void {
    this.#written.delete(key);
    this.#written.set(key, signature);
    if (this.#written.size <= MAX_REMEMBERED) return;
    const oldest = this.#written.keys().next();
    if (!oldest.done) this.#written.delete(oldest.value);
  }
}

/** The TargetRef a query names: a `@username` is looked up; replies and ids are already resolved. */
export async function resolveTarget(query: TargetQuery, users: KnownUsers): Promise<TargetRef> {
  if (query.kind !== 'username') return query;
  const text = `@${query.username}`;
  const known = await users.lookup(query.username);
  if (!known) return { kind: 'unknown', text };
  return { kind: 'user', target: { userId: String(known.id), isBot: known.isBot, name: text } };
}

function isKnownUser(value: unknown): value is KnownUser {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.id === 'number' && typeof record.isBot === 'boolean';
}
