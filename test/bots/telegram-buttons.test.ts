import { Api } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editIntervalFor } from '../../src/bots/telegram/context.ts';
import { callbackDataOf, parseCallbackData, summaryKeyboard } from '../../src/bots/telegram/keyboards.ts';
import { createStatusMessage } from '../../src/bots/telegram/status.ts';
import { en } from '../../src/core/i18n/en.ts';
import { silentLogger } from '../../src/core/log.ts';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';

describe('button callback data', () => {
  it('round-trips every action and stays under 64 bytes for the largest ids', () => {
    const requestId = '-1001234567890:2147483647:again';
    for (const action of [
      { kind: 'cancel', requestId },
      { kind: 'files', requestId },
      { kind: 'editAgain', requestId },
      { kind: 'again', chatId: -1001234567890, messageId: 2147483647 },
    ] as const) {
      const data = callbackDataOf(action);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(parseCallbackData(data)).toEqual(action);
    }
  });

  it('rejects data it never produced', () => {
    for (const data of ['', 'x:1:2', 'c:', 'c:1', 'c:1:2:3', 'a:1:x', 'f:../1:2']) expect(parseCallbackData(data)).toBeNull();
  });

  it('offers "Send as files" on the summary only when asked', () => {
    const labels = (files: boolean) => summaryKeyboard('1:2', { chatId: 1, messageId: 2 }, files, en.buttons).inline_keyboard.flat().map((b) => b.text);
    expect(labels(false)).toEqual(['Again', 'Edit again']);
    expect(labels(true)).toEqual(['Again', 'Edit again', 'Send as files']);
  });
});

describe('status message timing', () => {
  let tg: FakeTelegram;
  beforeEach(async () => {
    tg = await startFakeTelegram();
  });
  afterEach(async () => {
    await tg.close();
  });

  it('waits 1 s between edits in private chats and 3 s in groups', () => {
    expect(editIntervalFor('private')).toBe(1000);
    expect(editIntervalFor('group')).toBe(3000);
    expect(editIntervalFor('supergroup')).toBe(3000);
  });

  it('renews the chat action on a timer until the final word, then stops', async () => {
    const message = tg.injectMessage({ text: '/edit x' });
    const api = new Api(tg.token, { apiRoot: tg.apiRoot });
    const status = createStatusMessage({
      api,
      target: { chatId: message.chat.id, messageId: message.message_id },
      logger: silentLogger,
      token: tg.token,
      minEditIntervalMs: 0,
      chatActionIntervalMs: 20,
    });
    await status.update('Queued…');
    // Three actions without any state change: the timer renews it.
    await tg.waitForCall('sendChatAction', () => tg.callsOf('sendChatAction').length >= 3);
    await status.final('Done');
    const count = tg.callsOf('sendChatAction').length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(tg.callsOf('sendChatAction')).toHaveLength(count);
  });
});
