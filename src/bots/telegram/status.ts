import type { Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Logger } from '../../core/log.ts';
import { isMessageGone, isNotModified } from './errors.ts';
import { logTelegramFailure, isBotBlocked } from './quiet-errors.ts';
import { clipText, replyOptions, type ReplyTarget } from './target.ts';

/** "upload_photo" shows for about five seconds: renewed a little before it fades. */
const CHAT_ACTION_INTERVAL_MS = 4_500;
/**
 * How long a progress edit may wait (flood control's retry_after) before it is dropped. Progress is a
 * courtesy: waiting longer would hold up the job, which awaits its progress reports.
 */
const PROGRESS_EDIT_TIMEOUT_MS = 3_000;

export interface StatusMessageOptions {
  readonly api: Api;
  readonly target: ReplyTarget;
  readonly logger: Logger;
  readonly token: string;
  /**
   * Least time between two progress edits. Telegram allows about 20 edits a minute per group, and
   * progress edits are a classic flood-control trigger; only the newest text waits for its turn.
   */
  readonly minEditIntervalMs: number;
  readonly chatActionIntervalMs?: number;
  readonly progressEditTimeoutMs?: number;
  /**
   * The status message a previous process already sent for this request (after a restart): it is
   * edited rather than a second one sent, and replaced by a new one if it is gone.
   */
  readonly messageId?: number | undefined;
}

/** A text and the buttons under it (none when left out: an edit without markup removes them). */
interface View {
  readonly text: string;
  readonly markup?: InlineKeyboardMarkup | undefined;
}

/**
 * The one status message of a request. Writes run one after another, so edits never overtake the
 * first send and the final text always lands last. Failures are logged, not thrown: progress is a
 * courtesy, and a failed answer cannot be answered better by the caller.
 */
export interface StatusMessage {
  /**
   * Progress: sends the message (replying to the user) the first time, then edits it, throttled.
   * Resolves once the first send is done; an edit is not waited for.
   */
  update(text: string, markup?: InlineKeyboardMarkup): Promise<void>;
  /**
   * No more progress (results are being sent): pending and waiting progress edits are dropped.
   * Resolves once the status message has been sent (or refused), so results come below it.
   */
  freeze(): Promise<void>;
  /** The last word: edits the status message at once, or sends a new reply when there is none. */
  final(text: string, markup?: InlineKeyboardMarkup): Promise<void>;
  /** Resolves when everything queued so far has run (images are sent after the status message). */
  settled(): Promise<void>;
  /** True once `final` was called. */
  readonly finished: boolean;
  /** The status message's id, once sent. */
  readonly messageId: number | undefined;
}

/** How long after the final text it is written again when a progress edit may land late. */
const REASSERT_FINAL_AFTER_MS = 2_000;

const keyOf = (view: View): string => `${view.text}\u0000${JSON.stringify(view.markup ?? null)}`;
const done = Promise.resolve();

export function createStatusMessage(options: StatusMessageOptions): StatusMessage {
  const { api, target, logger, token, minEditIntervalMs } = options;
  const chatActionIntervalMs = options.chatActionIntervalMs ?? CHAT_ACTION_INTERVAL_MS;
  const progressEditTimeoutMs = options.progressEditTimeoutMs ?? PROGRESS_EDIT_TIMEOUT_MS;
  const thread = target.threadId === undefined ? {} : { message_thread_id: target.threadId };
  let messageId: number | undefined = options.messageId;
  let firstSendRefused = false;
  /** The bot was blocked or kicked: nothing more is sent to this chat. */
  let blocked = false;
  let shownKey: string | undefined;
  /** Only the newest progress text waits; older ones are simply replaced. */
  let pending: View | undefined;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let editing: AbortController | undefined;
  let actionTimer: ReturnType<typeof setInterval> | undefined;
  let finished = false;
  let frozen = false;
  /**
   * A progress edit was given up after it may have reached Telegram (its time ran out while it was
   * on the wire): it can still be applied later, even after the final text. The final text is then
   * written once more a little later, so it is the last word whatever the order.
   */
  let maybeLate = false;
  let queue: Promise<void> = done;
  /** The sending of the status message (its first progress text), once started. */
  let firstSend: Promise<void> = done;
  /** The message came from an earlier process and has not been written to yet. */
  let adopted = options.messageId !== undefined;

  const failed = (what: string, error: unknown, dropped = false): void => {
    if (isBotBlocked(error)) {
      blocked = true;
      stopActivity();
    }
    logTelegramFailure(logger, token, error, { chatId: target.chatId, what, dropped });
  };

  const enqueue = (what: string, task: () => Promise<void>, signal?: AbortSignal): Promise<void> => {
    queue = queue.then(task).catch((error: unknown) => failed(what, error, signal?.aborted === true));
    return queue;
  };

  async function write(view: View, signal?: AbortSignal): Promise<void> {
    lastWriteAt = Date.now();
    const markup = view.markup ? { reply_markup: view.markup } : {};
    if (messageId !== undefined) {
      try {
        await api.editMessageText(target.chatId, messageId, view.text, markup, signal as Parameters<Api['editMessageText']>[4]);
      } catch (error) {
        if (isNotModified(error)) {
          shownKey = keyOf(view);
          return;
        }
        if (!isMessageGone(error)) throw error;
        // Someone deleted it (or it is too old to edit): the request still gets a status, in a new message.
        logger.info({ chatId: target.chatId }, 'telegram status message is gone; answering in a new message');
        messageId = undefined;
      }
    }
    if (messageId === undefined) {
      const sent = await api.sendMessage(target.chatId, view.text, { ...replyOptions(target), ...markup });
      messageId = sent.message_id;
    }
    shownKey = keyOf(view);
  }

  function showActivity(): void {
    if (blocked || finished) return;
    api.sendChatAction(target.chatId, 'upload_photo', thread).catch((error: unknown) => failed('chat action', error, true));
  }

  // Renewed on a timer, not on state changes: a job can sit in one state for minutes.
  function startActivity(): void {
    if (actionTimer !== undefined || blocked || finished) return;
    showActivity();
    actionTimer = setInterval(showActivity, chatActionIntervalMs);
    actionTimer.unref?.();
  }

  function stopActivity(): void {
    if (actionTimer !== undefined) clearInterval(actionTimer);
    actionTimer = undefined;
  }

  /**
   * No more progress: a waiting edit is dropped. An edit already under way is not aborted: aborting
   * stops only our wait, not Telegram applying it, maybe after the final text; the final text is
   * queued behind it instead (bounded by the progress edit timeout).
   */
  function stopProgress(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    pending = undefined;
  }

  /** Edits now when the interval has passed and no edit is under way, else later (the newest text). */
  function schedule(): Promise<void> {
    if (timer !== undefined || editing !== undefined) return done;
    const wait = lastWriteAt + minEditIntervalMs - Date.now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        void flush();
      }, wait);
      timer.unref?.();
      return done;
    }
    return flush();
  }

  function flush(): Promise<void> {
    const view = pending;
    pending = undefined;
    if (!view || finished || frozen || messageId === undefined || keyOf(view) === shownKey) return done;
    const abort = new AbortController();
    editing = abort;
    const timeout = setTimeout(() => {
      maybeLate = true;
      abort.abort();
    }, progressEditTimeoutMs);
    return enqueue(
      'progress edit',
      async () => {
        if (!abort.signal.aborted && !finished && !frozen) await write(view, abort.signal);
      },
      abort.signal,
    ).finally(() => {
      clearTimeout(timeout);
      if (editing === abort) editing = undefined;
      if (pending) void schedule();
    });
  }

  /** Writes the final text again once a late progress edit has had time to land (see maybeLate). */
  function reassert(view: View): void {
    const again = setTimeout(() => {
      void enqueue('final again', async () => {
        if (!blocked) await write(view);
      });
    }, REASSERT_FINAL_AFTER_MS);
    again.unref?.();
  }

  return {
    get finished() {
      return finished;
    },
    get messageId() {
      return messageId;
    },
    update(raw, markup) {
      const text = clipText(raw);
      if (!text || finished || frozen || blocked) return done;
      startActivity();
      const view: View = { text, markup };
      if (messageId !== undefined) {
        pending = view;
        // A message adopted from an earlier process may be gone (then a new one is sent): its first
        // edit stands for the first send. Any other edit changes no order: the job does not wait.
        if (adopted) {
          adopted = false;
          firstSend = schedule();
          return firstSend;
        }
        void schedule();
        return done;
      }
      firstSend = enqueue('progress', async () => {
        if (finished || frozen || blocked) return;
        if (messageId !== undefined) {
          // An earlier update sent the message meanwhile: this one is an edit.
          pending = view;
          void schedule();
          return;
        }
        // One refused first send (bot blocked, chat gone) is enough; don't retry on every state change.
        if (firstSendRefused) return;
        try {
          await write(view);
        } catch (error) {
          firstSendRefused = true;
          throw error;
        }
      });
      return firstSend;
    },
    freeze() {
      frozen = true;
      stopProgress();
      // Only the first send orders the conversation (status above results); an edit under way
      // does not, and the final text queues behind it anyway.
      return firstSend;
    },
    final(raw, markup) {
      const text = clipText(raw);
      finished = true;
      stopProgress();
      stopActivity();
      if (!text || blocked) return queue;
      const view: View = { text, markup };
      return enqueue('final', async () => {
        if (blocked) return;
        if (messageId !== undefined && keyOf(view) === shownKey && !maybeLate) return;
        await write(view);
        if (maybeLate) reassert(view);
      });
    },
    settled: () => queue,
  };
}
