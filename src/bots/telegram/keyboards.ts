import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { ButtonTexts } from '../../core/i18n/sections.ts';

/**
 * The inline buttons of a request and what their callback_data means. Telegram caps callback_data at
 * 64 bytes, so it carries only ids: `<action>:<request id>` (a request id is `chatId:messageId`, or
 * `chatId:summaryId:again` for an Again), except Again, which names the original user message whose
 * recipe it re-runs: `a:<chatId>:<messageId>`.
 */
export type ButtonAction =
  | { readonly kind: 'cancel'; readonly requestId: string }
  | { readonly kind: 'files'; readonly requestId: string }
  | { readonly kind: 'editAgain'; readonly requestId: string }
  | { readonly kind: 'again'; readonly chatId: number; readonly messageId: number };

/** Where a request's recipe lives: the user's original message (an Again keeps pointing there). */
export interface RecipeKey {
  readonly chatId: number;
  readonly messageId: number;
}

const MAX_CALLBACK_DATA_BYTES = 64;
const REQUEST_ID = /^-?\d+:\d+(?::again)?$/;

export function callbackDataOf(action: ButtonAction): string {
  const data =
    action.kind === 'again'
      ? `a:${action.chatId}:${action.messageId}`
      : `${action.kind === 'cancel' ? 'c' : action.kind === 'files' ? 'f' : 'e'}:${action.requestId}`;
  // Cannot happen with Telegram's ids (at most ~40 bytes); a longer one would make the whole message fail.
  if (Buffer.byteLength(data) > MAX_CALLBACK_DATA_BYTES) throw new RangeError(`callback_data too long: ${data}`);
  return data;
}

/** The action a pressed button asks for; null for data we never produced (old versions, forgeries). */
export function parseCallbackData(data: string): ButtonAction | null {
  const colon = data.indexOf(':');
  if (colon < 0) return null;
  const tag = data.slice(0, colon);
  const rest = data.slice(colon + 1);
  if (tag === 'a') {
    const match = /^(-?\d+):(\d+)$/.exec(rest);
    if (!match) return null;
    return { kind: 'again', chatId: Number(match[1]), messageId: Number(match[2]) };
  }
  if (!REQUEST_ID.test(rest)) return null;
  if (tag === 'c') return { kind: 'cancel', requestId: rest };
  if (tag === 'f') return { kind: 'files', requestId: rest };
  if (tag === 'e') return { kind: 'editAgain', requestId: rest };
  return null;
}

const button = (text: string, action: ButtonAction): InlineKeyboardButton => ({ text, callback_data: callbackDataOf(action) });

/** On the status message while the job is queued or running. */
export function cancelKeyboard(requestId: string, texts: ButtonTexts): InlineKeyboardMarkup {
  return { inline_keyboard: [[button(texts.cancel, { kind: 'cancel', requestId })]] };
}

/** On a single result photo: the same image, uncompressed, as a file. */
export function sendAsFileKeyboard(requestId: string, texts: ButtonTexts): InlineKeyboardMarkup {
  return { inline_keyboard: [[button(texts.sendAsFile, { kind: 'files', requestId })]] };
}

/**
 * On the summary. An album cannot carry buttons (sendMediaGroup has no reply_markup), so its
 * "Send as files" lives here.
 */
export function summaryKeyboard(requestId: string, recipe: RecipeKey, filesButton: boolean, texts: ButtonTexts): InlineKeyboardMarkup {
  const rows: InlineKeyboardButton[][] = [
    [button(texts.again, { kind: 'again', ...recipe }), button(texts.editAgain, { kind: 'editAgain', requestId })],
  ];
  if (filesButton) rows.push([button(texts.sendAsFiles, { kind: 'files', requestId })]);
  return { inline_keyboard: rows };
}
