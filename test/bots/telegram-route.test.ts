import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { imageRefOf, largestPhoto } from '../../src/bots/telegram/inputs.ts';
import { mentionsBot, parseCommand, stripMentions } from '../../src/bots/telegram/parse.ts';
import { routeMessage } from '../../src/bots/telegram/route.ts';

const BOT = 'nano_test_bot';
const PHOTO = [
  { file_id: 'small', file_unique_id: 's', width: 90, height: 90, file_size: 1000 },
  { file_id: 'big', file_unique_id: 'b', width: 1280, height: 960, file_size: 90_000 },
  { file_id: 'mid', file_unique_id: 'm', width: 320, height: 240, file_size: 9000 },
];

function message(fields: Partial<Message> & { chatType?: 'private' | 'group' | 'supergroup' }): Message {
  const { chatType = 'private', ...rest } = fields;
  const chat = chatType === 'private' ? { id: 7, type: 'private' as const, first_name: 'A' } : { id: -100, type: chatType, title: 'G' };
  return { message_id: 1, date: 0, chat, from: { id: 7, is_bot: false, first_name: 'A' }, ...rest } as Message;
}

describe('parseCommand', () => {
  it('reads the command, the target bot and the rest', () => {
    expect(parseCommand('/edit make it blue', BOT)).toEqual({ name: 'edit', rest: 'make it blue', forUs: true });
    expect(parseCommand('/Edit@Nano_Test_Bot  sky\nand sea', BOT)).toEqual({ name: 'edit', rest: 'sky\nand sea', forUs: true });
    expect(parseCommand('/edit@other_bot x', BOT)?.forUs).toBe(false);
    expect(parseCommand('/quota', BOT)).toEqual({ name: 'quota', rest: '', forUs: true });
  });
  it('only counts a leading, whole command', () => {
    expect(parseCommand('please /edit this', BOT)).toBeNull();
    expect(parseCommand('/editing now', BOT)?.name).toBe('editing');
    expect(parseCommand('/edit/x', BOT)).toBeNull();
    expect(parseCommand('', BOT)).toBeNull();
  });
});

describe('mentions', () => {
  it('finds and strips @botname, case-insensitively, not inside other words', () => {
    expect(mentionsBot('hey @Nano_Test_Bot do it', BOT)).toBe(true);
    expect(mentionsBot('mail me at x@nano_test_bot', BOT)).toBe(false);
    expect(mentionsBot('@nano_test_bot_two', BOT)).toBe(false);
    expect(stripMentions('@nano_test_bot, make it night', BOT)).toBe('make it night');
    expect(stripMentions('make it @nano_test_bot night', BOT)).toBe('make it night');
  });
});

describe('largestPhoto and imageRefOf', () => {
  it('picks the largest size by pixels, not the last one', () => {
    expect(largestPhoto(PHOTO)?.file_id).toBe('big');
    expect(imageRefOf(message({ photo: PHOTO }))).toEqual({
      fileId: 'big',
      declaredBytes: 90_000,
      declaredWidth: 1280,
      declaredHeight: 960,
    });
  });
  it('accepts JPEG, PNG and WebP documents only', () => {
    const doc = (mime_type: string) => message({ document: { file_id: 'd', file_unique_id: 'd', mime_type, file_size: 5 } });
    expect(imageRefOf(doc('image/png'))).toEqual({ fileId: 'd', declaredBytes: 5 });
    expect(imageRefOf(doc('image/webp'))?.fileId).toBe('d');
    expect(imageRefOf(doc('application/pdf'))).toBeNull();
    expect(imageRefOf(doc('image/gif'))).toBeNull();
  });
});

describe('routeMessage', () => {
  it('private: a captioned photo or image file is an edit with the caption as prompt', () => {
    expect(routeMessage(message({ photo: PHOTO, caption: ' make it blue ' }), BOT)).toMatchObject({
      kind: 'edit',
      options: { prompt: 'make it blue' },
      image: { fileId: 'big' },
    });
    const document = { file_id: 'd', file_unique_id: 'd', mime_type: 'image/jpeg' };
    expect(routeMessage(message({ document, caption: 'sharpen' }), BOT)).toMatchObject({ kind: 'edit', options: { prompt: 'sharpen' } });
  });
  it('private: a photo without caption gets an explanation, except inside an album', () => {
    expect(routeMessage(message({ photo: PHOTO }), BOT)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/caption/) });
    expect(routeMessage(message({ photo: PHOTO, media_group_id: 'g' }), BOT)).toEqual({ kind: 'ignore' });
  });
  it('/edit replying to a photo uses that photo; without prompt or photo it explains usage', () => {
    const replied = message({ message_id: 5, photo: PHOTO });
    expect(routeMessage(message({ text: '/edit add a hat', reply_to_message: replied } as Partial<Message>), BOT)).toMatchObject({
      kind: 'edit',
      options: { prompt: 'add a hat' },
      image: { fileId: 'big' },
    });
    expect(routeMessage(message({ text: '/edit', reply_to_message: replied } as Partial<Message>), BOT).kind).toBe('reply');
    expect(routeMessage(message({ text: '/edit add a hat' }), BOT).kind).toBe('reply');
  });
  it('groups: only /edit captions and mentions of the bot start a job', () => {
    const group = (caption: string) => message({ chatType: 'supergroup', photo: PHOTO, caption });
    expect(routeMessage(group('my cat'), BOT)).toEqual({ kind: 'ignore' });
    expect(routeMessage(group('/edit@nano_test_bot make it blue'), BOT)).toMatchObject({ kind: 'edit', options: { prompt: 'make it blue' } });
    expect(routeMessage(group('/edit@other_bot make it blue'), BOT)).toEqual({ kind: 'ignore' });
    expect(routeMessage(group('@nano_test_bot make it blue'), BOT)).toMatchObject({ kind: 'edit', options: { prompt: 'make it blue' } });
    expect(routeMessage(group('@nano_test_bot'), BOT).kind).toBe('reply');
    expect(routeMessage(message({ chatType: 'group', photo: PHOTO }), BOT)).toEqual({ kind: 'ignore' });
    expect(routeMessage(message({ chatType: 'group', text: 'hello' }), BOT)).toEqual({ kind: 'ignore' });
    expect(routeMessage(message({ chatType: 'group', text: '/settings' }), BOT)).toEqual({ kind: 'ignore' });
  });
  it('maps /start, /help and /quota, and ignores messages without a user', () => {
    expect(routeMessage(message({ text: '/start' }), BOT)).toEqual({ kind: 'help' });
    expect(routeMessage(message({ text: '/help@nano_test_bot' }), BOT)).toEqual({ kind: 'help' });
    expect(routeMessage(message({ text: '/quota' }), BOT)).toEqual({ kind: 'quota' });
    expect(routeMessage(message({ text: '/quota', from: undefined } as Partial<Message>), BOT)).toEqual({ kind: 'ignore' });
    expect(routeMessage(message({ text: 'hello' }), BOT).kind).toBe('reply');
  });
  it('/imagine takes a prompt with options; without one it explains, and bad options are refused', () => {
    expect(routeMessage(message({ text: '/imagine a fox in snow --n 2 --ar 16:9 --webp' }), BOT)).toEqual({
      kind: 'imagine',
      options: { prompt: 'a fox in snow', count: 2, aspectRatio: '16:9', outputFormat: 'webp' },
    });
    expect(routeMessage(message({ text: '/imagine' }), BOT)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/\/imagine a red fox/) });
    expect(routeMessage(message({ text: '/imagine a fox --n 9' }), BOT)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/--n takes a number from 1 to 4/) });
    expect(routeMessage(message({ text: '/imagine a fox --size big' }), BOT)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/do not know the option --size/) });
    expect(routeMessage(message({ text: '/imagine --png' }), BOT)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/Add a prompt/) });
  });
  it('reads options in captions too: --ar=3:4, --format jpg', () => {
    expect(routeMessage(message({ photo: PHOTO, caption: 'sharpen --ar=3:4 --format jpg' }), BOT)).toMatchObject({
      kind: 'edit',
      options: { prompt: 'sharpen', aspectRatio: '3:4', outputFormat: 'jpeg' },
    });
  });
});

describe('routeMessage: moderator commands', () => {
  const member = { id: 42, is_bot: false, first_name: 'Bob', username: 'bob' };
  const anonymous = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
  const group = (fields: Partial<Message>) => message({ chatType: 'supergroup', ...fields });
  const theGroup = { id: -100, type: 'supergroup' as const, title: 'G' };

  it('routes /quota_… in groups and private chats, with the reply as target', () => {
    const replied = group({ message_id: 5, from: member, text: 'hi' });
    expect(routeMessage(group({ text: '/quota_grant 5', reply_to_message: replied } as Partial<Message>), BOT)).toEqual({
      kind: 'moderate',
      command: { action: 'grant', target: { kind: 'user', target: { userId: '42', isBot: false, name: '@bob' } }, argument: '5' },
    });
    expect(routeMessage(group({ text: `/quota_set@${BOT} @bob 20` }), BOT)).toEqual({
      kind: 'moderate',
      command: { action: 'set', target: { kind: 'username', username: 'bob' }, argument: '20' },
    });
    // In private only owners succeed; the command decides, so the route passes it on.
    expect(routeMessage(message({ text: '/quota_default 3' }), BOT)).toEqual({ kind: 'moderate', command: { action: 'default', argument: '3' } });
    expect(routeMessage(group({ text: '/quota_grant@other_bot 5' }), BOT)).toEqual({ kind: 'ignore' });
  });

  it("lets the group's anonymous admin through for moderator commands only", () => {
    const asGroup = { from: anonymous, sender_chat: theGroup } as Partial<Message>;
    expect(routeMessage(group({ ...asGroup, text: '/quota_show 42' }), BOT)).toMatchObject({ kind: 'moderate', command: { action: 'show' } });
    expect(routeMessage(group({ ...asGroup, text: '/imagine a fox' }), BOT)).toEqual({ kind: 'ignore' });
    expect(routeMessage(group({ ...asGroup, text: '/quota' }), BOT)).toEqual({ kind: 'ignore' });
    expect(routeMessage(group({ ...asGroup, photo: PHOTO, caption: `@${BOT} make it blue` }), BOT)).toEqual({ kind: 'ignore' });
  });

  it('ignores other bots, and the anonymous admin bot speaking for another chat or for no chat', () => {
    const otherChat = { id: -200, type: 'supergroup' as const, title: 'Other' };
    expect(routeMessage(group({ from: anonymous, sender_chat: otherChat, text: '/quota_show 42' } as Partial<Message>), BOT)).toEqual({
      kind: 'ignore',
    });
    expect(routeMessage(group({ from: anonymous, text: '/quota_show 42' }), BOT)).toEqual({ kind: 'ignore' });
    const helper = { id: 99, is_bot: true, first_name: 'Helper', username: 'helper_bot' };
    expect(routeMessage(group({ from: helper, text: '/quota_grant 42 5' }), BOT)).toEqual({ kind: 'ignore' });
    const channel = { id: -1009, type: 'channel' as const, title: 'News' };
    const channelBot = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' };
    expect(routeMessage(group({ from: channelBot, sender_chat: channel, text: '/quota_grant 42 5' } as Partial<Message>), BOT)).toEqual({
      kind: 'ignore',
    });
  });
});
