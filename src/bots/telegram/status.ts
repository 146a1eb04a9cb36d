import type { Api } from 'grammy';
import type { Logger } from '../../core/log.ts';
import { describeError, isMessageGone, isNotModified } from './errors.ts';
import { clipText, replyOptions, type ReplyTarget } from './target.ts';

const CHAT_ACTION_INTERVAL_MS = 4_000;

export interface StatusMessageOptions {
  readonly api: Api;
  readonly target: ReplyTarget;
  readonly logger: Logger;
  readonly token: string;
  /**
   * Least time between two progress edits. Telegram allows about 20 edits a minute per group, and
   * progress edits are a classic flood-control trigger; the newest text waits for its turn.
   */
  readonly minEditIntervalMs: number;
}

/**
 * The one status message of a request. All its operations run one after another, so edits never
 * overtake the first send and the final text always lands last. Failures are logged, not thrown:
 * progress is a courtesy, and a failed answer cannot be answered better by the caller.
 */
export interface StatusMessage {
  /** Progress: sends the message (replying to the user) the first time, then edits it, throttled. */
  update(text: string): Promise<void>;
  /** The last word: edits the status message at once, or sends a new reply when there is none. */
  final(text: string): Promise<void>;
  /** Resolves when everything queued so far has run (images are sent after the status message). */
  settled(): Promise<void>;
  /** True once `final` was called. */
  readonly finished: boolean;
}

export function createStatusMessage(options: StatusMessageOptions): StatusMessage {
  const { api, target, logger, token, minEditIntervalMs } = options;
  const thread = target.threadId === undefined ? {} : { message_thread_id: target.threadId };
  let messageId: number | undefined;
  let firstSendRefused = false;
  let shown: string | undefined;
  let pending: string | undefined;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastActionAt = Number.NEGATIVE_INFINITY;
  let finished = false;
  let queue: Promise<void> = Promise.resolve();

  const enqueue = (what: string, task: () => Promise<void>): Promise<void> => {
    queue = queue.then(task).catch((error: unknown) => {
      logger.warn({ err: describeError(error, token), chatId: target.chatId, what }, 'telegram status message failed');
    });
    return queue;
  };

  async function send(text: string): Promise<void> {
    lastWriteAt = Date.now();
    const sent = await api.sendMessage(target.chatId, text, replyOptions(target));
    messageId = sent.message_id;
    shown = text;
  }

  async function edit(id: number, text: string): Promise<void> {
    lastWriteAt = Date.now();
    try {
      await api.editMessageText(target.chatId, id, text);
    } catch (error) {
      if (!isNotModified(error)) throw error;
    }
    shown = text;
  }

  // "upload_photo" shows for about five seconds; state changes renew it, at most every few seconds.
  function showActivity(): void {
    if (Date.now() - lastActionAt < CHAT_ACTION_INTERVAL_MS) return;
    lastActionAt = Date.now();
    api.sendChatAction(target.chatId, 'upload_photo', thread).catch((error: unknown) => {
      logger.debug({ err: describeError(error, token) }, 'telegram chat action failed');
    });
  }

  function flush(): void {
    timer = undefined;
    void enqueue('progress edit', async () => {
      const text = pending;
      pending = undefined;
      if (finished || text === undefined || text === shown || messageId === undefined) return;
      await edit(messageId, text);
    });
  }

  return {
    get finished() {
      return finished;
    },
    update(raw) {
      const text = clipText(raw);
      if (!text) return Promise.resolve();
      return enqueue('progress', async () => {
        if (finished) return;
        if (text === shown) {
          pending = undefined;
          return;
        }
        showActivity();
        if (messageId === undefined) {
          // One refused first send (bot blocked, chat gone) is enough; don't retry on every state change.
          if (firstSendRefused) return;
          try {
            await send(text);
          } catch (error) {
            firstSendRefused = true;
            throw error;
          }
          return;
        }
        const wait = lastWriteAt + minEditIntervalMs - Date.now();
        if (wait > 0) {
          pending = text;
          timer ??= setTimeout(flush, wait);
          return;
        }
        pending = undefined;
        await edit(messageId, text);
      });
    },
    final(raw) {
      const text = clipText(raw);
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      if (!text) return queue;
      return enqueue('final', async () => {
        if (messageId === undefined) return send(text);
        if (text === shown) return;
        try {
          await edit(messageId, text);
        } catch (error) {
          if (!isMessageGone(error)) throw error;
          await send(text);
        }
      });
    },
    settled: () => queue,
  };
}
