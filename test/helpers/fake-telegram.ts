import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { imageSize } from 'image-size';
import { sniffMime } from '../../src/core/images/inspect.ts';

/**
 * A loopback Telegram Bot API (platform-limits §2) that the real grammY talks to through `apiRoot`:
 * long polling, files, the send/edit methods the bot uses, and getChatMember (statuses set by the
 * test), answering like Telegram does (401 for a wrong token, 400 "message is not modified", replies
 * to unknown messages refused, 400 "chat not found" for a chat it has never seen).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages are free-form Bot API objects
type Json = any;

export interface TelegramFilePart {
  bytes: Buffer;
  filename: string;
  contentType: string;
}
export interface TelegramCall {
  method: string;
  /** Non-file fields; JSON-encoded ones (reply_parameters, media…) decoded, ids as numbers. */
  params: Record<string, Json>;
  /** Uploaded files by multipart field, also under the parameter naming them (`photo`, `media.0`). */
  files: Record<string, TelegramFilePart>;
  at: number;
  /** What the fake answered, once it has: the result, or the Bot API error. */
  result?: Json;
  error?: { error_code: number; description: string };
}
export interface FakeFile {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
}
export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  first_name?: string;
  title?: string;
}
export interface InjectPhotoOptions {
  chatId?: number;
  chatType?: 'private' | 'group' | 'supergroup';
  userId?: number;
  caption?: string;
  sizes: Array<{ width: number; height: number; bytes: Buffer }>;
  mediaGroupId?: string;
  replyTo?: number;
}

/** What setWebhook registered. */
export interface FakeWebhook {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
  drop_pending_updates?: boolean;
}
/** One webhook request the fake made, and the bot's answer. */
export interface WebhookDelivery {
  update: Json;
  status: number;
  body: string;
}

export interface InjectCallbackQueryOptions {
  /** The bot message the button is on (as the fake recorded it, reply_markup included). */
  message: Json;
  data: string;
  /** Who pressed it; user 1001 (Alice) by default. */
  from?: Json;
}

export interface InjectDocumentOptions {
  chatId?: number;
  chatType?: 'private' | 'group' | 'supergroup';
  userId?: number;
  caption?: string;
  bytes: Buffer;
  /** As the client declares it; Telegram does not check it against the content. */
  mimeType: string;
  fileName?: string;
  /** The `file_size` the message declares; the real length unless set (to fake a huge file cheaply). */
  declaredSize?: number;
  mediaGroupId?: string;
  replyTo?: number;
}

export type ChatMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface FakeTelegram {
  readonly apiRoot: string;
  readonly token: string;
  readonly botUser: { id: number; is_bot: true; first_name: string; username: string };
  readonly calls: TelegramCall[];
  addFile(bytes: Buffer, ext?: string): FakeFile;
  /**
   * Queues a message update (private chat with user 1001 by default) and returns the message. Other
   * fields pass through as given; a `sender_chat` (the anonymous admin, a channel) is completed from
   * the chat when it names this chat (`sender_chat: { id: chatId }`).
   */
  injectMessage(message: Json): Json;
  /** What getChatMember answers for this user in this chat; `member` unless set. */
  setChatMember(chatId: number, userId: number, status: ChatMemberStatus): void;
  /** Queues a callback_query update (a button press on a bot message) and returns the query. */
  injectCallbackQuery(options: InjectCallbackQueryOptions): Json;
  /** A message as the fake holds it now (edits and reply_markup applied), or undefined. */
  messageOf(chatId: number, messageId: number): Json;
  /** A user (or admin) deletes a message in the app: edits of it and replies to it are refused from now on. */
  deleteMessage(chatId: number, messageId: number): void;
  /** A photo message whose sizes are the given images (each registered as a file). */
  injectPhoto(options: InjectPhotoOptions): Json;
  /** A message with a file (`document`), registered so the bot can download it. */
  injectDocument(options: InjectDocumentOptions): Json;
  /** The first recorded call (past or future) of `method` matching `predicate`. */
  waitForCall(method: string, predicate?: (call: TelegramCall) => boolean, timeoutMs?: number): Promise<TelegramCall>;
  /** The next `times` calls of `method` fail with this Bot API error instead of running. */
  failNext(method: string, error: { error_code: number; description: string; retry_after?: number }, times?: number): void;
  /** Calls of one method, in order. */
  callsOf(method: string): TelegramCall[];
  /** The webhook set by setWebhook, until deleteWebhook. While one is set, getUpdates answers 409 like Telegram. */
  webhookInfo(): FakeWebhook | undefined;
  /**
   * Sends the queued updates (injectMessage…) to the webhook, oldest first, as Telegram does: a JSON
   * POST with the registered secret in `X-Telegram-Bot-Api-Secret-Token`. A 2xx answer takes the
   * update off the queue; the first other answer stops, leaving it and the rest queued. `url`
   * replaces the registered URL (the reverse proxy's target); `secretToken` the header (null: none).
   */
  deliverUpdates(options?: { url?: string; secretToken?: string | null }): Promise<WebhookDelivery[]>;
  /** POSTs one body (an update, or raw text sent as is) to a URL as a webhook request, nothing queued. */
  postWebhook(url: string, body: Json, secretToken?: string | null): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const DEFAULT_TOKEN = '123456789:fake-telegram-token-ABCDEFGHIJKLMNOP';
/** Fields Telegram expects JSON-encoded in form and multipart bodies. */
const JSON_FIELDS = new Set(['reply_parameters', 'media', 'reply_markup', 'allowed_updates', 'commands', 'entities',
  'caption_entities', 'scope', 'link_preview_options']);
const INT_FIELDS = new Set(['chat_id', 'user_id', 'message_id', 'message_thread_id', 'offset', 'limit', 'timeout']);
const MAX_PHOTO_UPLOAD = 10 * 1000 * 1000;

class ApiError extends Error {
  readonly code: number;
  readonly retryAfter: number | undefined;
  constructor(code: number, description: string, retryAfter?: number) {
    super(description);
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export async function startFakeTelegram(options: { token?: string; botUsername?: string } = {}): Promise<FakeTelegram> {
  const token = options.token ?? DEFAULT_TOKEN;
  const botUser = { id: Number(token.split(':')[0]) || 1, is_bot: true as const, first_name: 'Nano Banana', username: options.botUsername ?? 'nano_test_bot' };
  const calls: TelegramCall[] = [];
  const files = new Map<string, { meta: FakeFile; bytes: Buffer }>();
  const filesByPath = new Map<string, Buffer>();
  const messages = new Map<string, Json>(); // `${chatId}:${messageId}` → message (user's and bot's)
  const chats = new Map<number, FakeChat>();
  const members = new Map<string, ChatMemberStatus>(); // `${chatId}:${userId}` → status
  const updates: Json[] = [];
  const failures = new Map<string, Array<{ error_code: number; description: string; retry_after?: number }>>();
  let waiters: Array<() => void> = [];
  /** Each is told of every call when it arrives and when it is answered (a wait scans the calls before it once, then only these). */
  const callWatchers = new Set<(call: TelegramCall) => void>();
  let nextUpdateId = 1;
  let nextMessageId = 100;
  let nextFile = 1;
  let nextCallbackId = 1;
  let closed = false;
  let webhook: FakeWebhook | undefined;
  const now = () => Math.floor(Date.now() / 1000);

  const wake = () => {
    const current = waiters;
    waiters = [];
    for (const w of current) w();
  };
  const remember = (message: Json) => messages.set(`${message.chat.id}:${message.message_id}`, message);
  const chatOf = (id: unknown): FakeChat => {
    const chatId = Number(id);
    if (!Number.isInteger(chatId)) throw new ApiError(400, 'Bad Request: chat not found');
    return chats.get(chatId) ?? { id: chatId, type: chatId > 0 ? 'private' : 'supergroup' };
  };

  function addFile(bytes: Buffer, ext = extOf(bytes)): FakeFile {
    const n = nextFile++;
    const meta = { file_id: `AgACAgfake${n}`, file_unique_id: `AQADfake${n}`, file_size: bytes.length, file_path: `photos/file_${n}.${ext}` };
    files.set(meta.file_id, { meta, bytes });
    filesByPath.set(meta.file_path, bytes);
    return meta;
  }

  function injectMessage(partial: Json): Json {
    const from = { id: 1001, is_bot: false, first_name: 'Alice', username: 'alice', language_code: 'en', ...partial.from };
    const chatId: number = partial.chat?.id ?? from.id;
    const known = chats.get(chatId);
    const type = partial.chat?.type ?? known?.type ?? (chatId > 0 ? 'private' : 'supergroup');
    const names = type === 'private' ? { first_name: from.first_name } : { title: 'Test group' };
    const chat: FakeChat = { ...names, ...known, ...partial.chat, id: chatId, type };
    chats.set(chat.id, chat);
    const senderChat = partial.sender_chat?.id === chat.id ? { sender_chat: { ...chat, ...partial.sender_chat } } : {};
    const message = { message_id: nextMessageId++, date: now(), ...partial, ...senderChat, from, chat };
    remember(message);
    updates.push({ update_id: nextUpdateId++, message });
    wake();
    return message;
  }

  function injectCallbackQuery(o: InjectCallbackQueryOptions): Json {
    const from = { id: 1001, is_bot: false, first_name: 'Alice', username: 'alice', language_code: 'en', ...o.from };
    const message = messages.get(`${o.message.chat.id}:${o.message.message_id}`) ?? o.message;
    const query = { id: `cbq${nextCallbackId++}`, from, message, chat_instance: `ci${message.chat.id}`, data: o.data };
    updates.push({ update_id: nextUpdateId++, callback_query: query });
    wake();
    return query;
  }

  function injectPhoto(o: InjectPhotoOptions): Json {
    const userId = o.userId ?? 1001;
    const type = o.chatType ?? 'private';
    const chatId = o.chatId ?? (type === 'private' ? userId : type === 'group' ? -4001 : -1001234567890);
    const photo = o.sizes.map((s) => {
      const { file_path: _, ...size } = addFile(s.bytes, 'jpg');
      return { ...size, width: s.width, height: s.height };
    });
    const reply = o.replyTo === undefined ? {} : { reply_to_message: messages.get(`${chatId}:${o.replyTo}`) };
    return injectMessage({
      from: { id: userId }, chat: { id: chatId, type }, photo, ...reply,
      ...(o.caption === undefined ? {} : { caption: o.caption }),
      ...(o.mediaGroupId === undefined ? {} : { media_group_id: o.mediaGroupId }),
    });
  }

  function injectDocument(o: InjectDocumentOptions): Json {
    const userId = o.userId ?? 1001;
    const type = o.chatType ?? 'private';
    const chatId = o.chatId ?? (type === 'private' ? userId : type === 'group' ? -4001 : -1001234567890);
    const { file_path: _, ...meta } = addFile(o.bytes, (o.fileName ?? 'file.bin').split('.').pop());
    const document = { ...meta, file_size: o.declaredSize ?? meta.file_size, file_name: o.fileName ?? 'file.bin', mime_type: o.mimeType };
    const reply = o.replyTo === undefined ? {} : { reply_to_message: messages.get(`${chatId}:${o.replyTo}`) };
    return injectMessage({
      from: { id: userId }, chat: { id: chatId, type }, document, ...reply,
      ...(o.caption === undefined ? {} : { caption: o.caption }),
      ...(o.mediaGroupId === undefined ? {} : { media_group_id: o.mediaGroupId }),
    });
  }

  // The bot's own messages, as Telegram returns them.
  function botMessage(params: Json, content: Json): Json {
    const chat = chatOf(params.chat_id);
    const message: Json = { message_id: nextMessageId++, from: botUser, chat, date: now(), ...content };
    if (params.reply_markup !== undefined) message.reply_markup = params.reply_markup;
    const replyId = params.reply_parameters?.message_id;
    if (replyId !== undefined) {
      const replied = messages.get(`${chat.id}:${replyId}`);
      if (replied) message.reply_to_message = replied;
      else if (!params.reply_parameters.allow_sending_without_reply) throw new ApiError(400, 'Bad Request: message to be replied not found');
    }
    if (params.message_thread_id !== undefined) message.message_thread_id = params.message_thread_id;
    remember(message);
    return message;
  }
  function media(part: TelegramFilePart | undefined, kind: string, ref: unknown): Json {
    // A file is uploaded in the request, or resent by the file_id of one Telegram already has.
    const bytes = part?.bytes ?? (typeof ref === 'string' ? files.get(ref)?.bytes : undefined);
    if (!bytes) throw new ApiError(400, `Bad Request: there is no ${kind} in the request`);
    if (kind === 'photo') {
      if (bytes.length > MAX_PHOTO_UPLOAD) throw new ApiError(413, 'Request Entity Too Large');
      const { width = 0, height = 0 } = tryImageSize(bytes);
      const { file_path: _, ...meta } = addFile(bytes);
      return { photo: [{ ...meta, width, height }] };
    }
    const { file_path: _, ...meta } = addFile(bytes);
    return { document: { ...meta, file_name: part?.filename ?? 'file', mime_type: sniffMime(bytes) ?? 'application/octet-stream' } };
  }

  const methods: Record<string, (p: Json, f: Record<string, TelegramFilePart>) => Json> = {
    getMe: () => ({ ...botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false }),
    deleteWebhook: () => {
      webhook = undefined;
      return true;
    },
    setWebhook: (p) => {
      if (typeof p.url !== 'string' || !/^https?:\/\//.test(p.url)) throw new ApiError(400, 'Bad Request: bad webhook: invalid URL');
      if (p.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(p.secret_token))) {
        throw new ApiError(400, 'Bad Request: secret token contains unallowed characters');
      }
      webhook = { url: p.url, ...(p.secret_token === undefined ? {} : { secret_token: String(p.secret_token) }),
        ...(p.allowed_updates === undefined ? {} : { allowed_updates: p.allowed_updates }),
        ...(p.drop_pending_updates === undefined ? {} : { drop_pending_updates: p.drop_pending_updates }) };
      return true;
    },
    getWebhookInfo: () => ({ url: webhook?.url ?? '', has_custom_certificate: false, pending_update_count: updates.length,
      ...(webhook?.allowed_updates ? { allowed_updates: webhook.allowed_updates } : {}) }),
    setMyCommands: () => true,
    sendChatAction: (p) => (chatOf(p.chat_id), true),
    getChatMember: (p) => {
      // Only chats the fake has seen a message in exist; Telegram knows no others either.
      const chat = chats.get(Number(p.chat_id));
      if (!chat) throw new ApiError(400, 'Bad Request: chat not found');
      const userId = Number(p.user_id);
      if (!Number.isInteger(userId) || userId <= 0) throw new ApiError(400, 'Bad Request: invalid user_id specified');
      const status = members.get(`${chat.id}:${userId}`) ?? 'member';
      const user = { id: userId, is_bot: false, first_name: `User ${userId}` };
      if (status === 'administrator') {
        return { status, user, can_be_edited: false, is_anonymous: false, can_manage_chat: true, can_delete_messages: true,
          can_manage_video_chats: true, can_restrict_members: true, can_promote_members: false, can_change_info: true,
          can_invite_users: true, can_post_stories: false, can_edit_stories: false, can_delete_stories: false };
      }
      if (status === 'creator') return { status, user, is_anonymous: false };
      if (status === 'restricted') return { status, user, is_member: true, until_date: 0 };
      if (status === 'kicked') return { status, user, until_date: 0 };
      return { status, user };
    },
    getFile: (p) => {
      const file = files.get(String(p.file_id));
      if (!file) throw new ApiError(400, 'Bad Request: invalid file_id');
      return file.meta;
    },
    sendMessage: (p) => {
      if (typeof p.text !== 'string' || p.text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
      if (p.text.length > 4096) throw new ApiError(400, 'Bad Request: message is too long');
      return botMessage(p, { text: p.text });
    },
    editMessageText: (p) => {
      const message = messages.get(`${Number(p.chat_id)}:${Number(p.message_id)}`);
      if (!message || message.from?.id !== botUser.id) throw new ApiError(400, 'Bad Request: message to edit not found');
      const sameMarkup = JSON.stringify(message.reply_markup ?? null) === JSON.stringify(p.reply_markup ?? null);
      if (message.text === p.text && sameMarkup) {
        throw new ApiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of a message');
      }
      message.text = p.text;
      // As Telegram: an edit without reply_markup removes the inline keyboard.
      if (p.reply_markup === undefined) delete message.reply_markup;
      else message.reply_markup = p.reply_markup;
      message.edit_date = now();
      return message;
    },
    editMessageReplyMarkup: (p) => {
      const message = messages.get(`${Number(p.chat_id)}:${Number(p.message_id)}`);
      if (!message || message.from?.id !== botUser.id) throw new ApiError(400, 'Bad Request: message to edit not found');
      if (JSON.stringify(message.reply_markup ?? null) === JSON.stringify(p.reply_markup ?? null)) {
        throw new ApiError(400, 'Bad Request: message is not modified');
      }
      if (p.reply_markup === undefined) delete message.reply_markup;
      else message.reply_markup = p.reply_markup;
      return message;
    },
    answerCallbackQuery: (p) => {
      if (typeof p.callback_query_id !== 'string' || !p.callback_query_id) throw new ApiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
      return true;
    },
    sendPhoto: (p, f) => botMessage(p, { ...media(f.photo, 'photo', p.photo), ...(p.caption ? { caption: p.caption } : {}) }),
    sendDocument: (p, f) => botMessage(p, { ...media(f.document, 'document', p.document), ...(p.caption ? { caption: p.caption } : {}) }),
    sendMediaGroup: (p, f) => {
      const items: Json[] = Array.isArray(p.media) ? p.media : [];
      if (items.length < 2 || items.length > 10) throw new ApiError(400, 'Bad Request: wrong number of media in the album');
      const kinds = new Set(items.map((i) => i.type));
      if (kinds.has('document') && kinds.size > 1) throw new ApiError(400, 'Bad Request: document can\'t be mixed with other media types');
      const groupId = String(10_000_000 + nextMessageId);
      const contents = items.map((item, i) => ({ ...media(f[`media.${i}`], item.type, item.media), ...(item.caption ? { caption: item.caption } : {}) }));
      return contents.map((content) => botMessage(p, { ...content, media_group_id: groupId }));
    },
  };

  async function getUpdates(p: Json): Promise<Json[]> {
    const offset = Number(p.offset ?? 0);
    if (offset > 0) while (updates.length > 0 && updates[0].update_id < offset) updates.shift();
    const timeoutMs = Number(p.timeout ?? 0) * 1000;
    if (updates.length === 0 && timeoutMs > 0 && !closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return updates.slice(0, Number(p.limit ?? 100) || 100);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      if (decodeURIComponent(fileMatch[1] ?? '') !== token) return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const bytes = filesByPath.get(decodeURIComponent(fileMatch[2] ?? ''));
      if (!bytes) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      res.end(bytes);
      return;
    }
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (decodeURIComponent(match[1] ?? '') !== token) return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = match[2] ?? '';
    const { params, files: parts } = await parseBody(req, url);
    const call: TelegramCall = { method, params, files: parts, at: Date.now() };
    calls.push(call);
    for (const watch of callWatchers) watch(call);
    try {
      const failure = failures.get(method)?.shift();
      if (failure) throw new ApiError(failure.error_code, failure.description, failure.retry_after);
      if (method === 'getUpdates' && webhook) {
        throw new ApiError(409, 'Conflict: can\'t use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first');
      }
      const run = methods[method];
      if (!run && method !== 'getUpdates') throw new ApiError(404, 'Not Found: method not found');
      call.result = run ? run(params, parts) : await getUpdates(params);
      send(200, { ok: true, result: call.result });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      call.error = { error_code: error.code, description: error.message };
      const parameters = error.retryAfter === undefined ? {} : { parameters: { retry_after: error.retryAfter } };
      send(error.code, { ok: false, error_code: error.code, description: error.message, ...parameters });
    }
    // Once more with its answer: a wait may ask for the result (or the error) too.
    for (const watch of callWatchers) watch(call);
  }

  async function postWebhook(url: string, body: Json, secretToken: string | null = webhook?.secret_token ?? null) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secretToken === null ? {} : { 'x-telegram-bot-api-secret-token': secretToken }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  }

  async function deliverUpdates(options: { url?: string; secretToken?: string | null } = {}): Promise<WebhookDelivery[]> {
    const url = options.url ?? webhook?.url;
    if (!url) throw new Error('fake Telegram: no webhook is set (setWebhook was not called)');
    const deliveries: WebhookDelivery[] = [];
    while (updates.length > 0) {
      const update = updates[0];
      const answer = await postWebhook(url, update, options.secretToken === undefined ? webhook?.secret_token ?? null : options.secretToken);
      deliveries.push({ update, ...answer });
      if (answer.status < 200 || answer.status > 299) break;
      if (updates[0] === update) updates.shift();
    }
    return deliveries;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botUser,
    calls,
    addFile,
    injectMessage,
    injectPhoto,
    injectDocument,
    injectCallbackQuery,
    messageOf: (chatId, messageId) => messages.get(`${chatId}:${messageId}`),
    deleteMessage(chatId, messageId) {
      messages.delete(`${chatId}:${messageId}`);
    },
    setChatMember(chatId, userId, status) {
      members.set(`${chatId}:${userId}`, status);
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    webhookInfo: () => (webhook ? { ...webhook } : undefined),
    deliverUpdates,
    postWebhook,
    failNext(method, error, times = 1) {
      failures.set(method, [...(failures.get(method) ?? []), ...Array.from({ length: times }, () => error)]);
    },
    waitForCall(method, predicate = () => true, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const matches = (c: TelegramCall) => c.method === method && predicate(c);
        const found = calls.find(matches);
        if (found) return resolve(found);
        const watch = (call: TelegramCall) => {
          if (!matches(call)) return;
          callWatchers.delete(watch);
          clearTimeout(timer);
          resolve(call);
        };
        const timer = setTimeout(() => {
          callWatchers.delete(watch);
          reject(new Error(`fake Telegram: no ${method} call within ${timeoutMs} ms (last calls: ${calls.slice(-30).map((c) => c.method).join(', ')})`));
        }, timeoutMs);
        callWatchers.add(watch);
      });
    },
    async close() {
      closed = true;
      wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function parseBody(req: IncomingMessage, url: URL): Promise<{ params: Json; files: Record<string, TelegramFilePart> }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const type = String(req.headers['content-type'] ?? '');
  const raw: Record<string, string> = Object.fromEntries(url.searchParams);
  const files: Record<string, TelegramFilePart> = {};
  let params: Json = {};
  if (type.startsWith('application/json') && body.length > 0) {
    params = JSON.parse(body.toString('utf8'));
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(raw, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  } else if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake', { method: 'POST', headers: { 'content-type': type }, body }).formData();
    for (const [name, value] of form) {
      if (typeof value === 'string') raw[name] = value;
      else files[name] = { bytes: Buffer.from(await value.arrayBuffer()), filename: value.name, contentType: value.type };
    }
  }
  for (const [key, value] of Object.entries(raw)) params[key] ??= decodeField(key, value);
  // Name each file also after the parameter that references it: `photo`, `document`, `media.0`…
  const alias = (name: string, value: unknown) => {
    const m = typeof value === 'string' ? /^attach:\/\/(.+)$/.exec(value) : null;
    const file = m?.[1] ? files[m[1]] : undefined;
    if (file) files[name] = file;
  };
  for (const [key, value] of Object.entries(params)) alias(key, value);
  if (Array.isArray(params.media)) params.media.forEach((item: Json, i: number) => alias(`media.${i}`, item?.media));
  return { params, files };
}

function decodeField(key: string, value: string): unknown {
  if (JSON_FIELDS.has(key)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return INT_FIELDS.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
}

function tryImageSize(bytes: Buffer): { width?: number; height?: number } {
  try {
    return imageSize(bytes);
  } catch {
    return {};
  }
}

function extOf(bytes: Buffer): string {
  const mime = sniffMime(bytes);
  return mime === 'image/png' ? 'png' : mime === 'image/webp' ? 'webp' : 'jpg';
}
