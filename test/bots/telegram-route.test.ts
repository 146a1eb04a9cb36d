import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { imageRefOf, largestPhoto } from '../../src/bots/telegram/inputs.ts';
import { mentionsBot, parseCommand, stripMentions } from '../../src/bots/telegram/parse.ts';
import { routeAlbum, routeMessage, type RouteOptions } from '../../src/bots/telegram/route.ts';

const BOT = 'nano_test_bot';
const OPTS: RouteOptions = { botUsername: BOT };
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
    expect(routeMessage(message({ photo: PHOTO, caption: ' make it blue ' }), OPTS)).toMatchObject({
      kind: 'edit',
      options: { prompt: 'make it blue' },
      images: [{ fileId: 'big' }],
    });
    const document = { file_id: 'd', file_unique_id: 'd', mime_type: 'image/jpeg' };
    expect(routeMessage(message({ document, caption: 'sharpen' }), OPTS)).toMatchObject({ kind: 'edit', options: { prompt: 'sharpen' } });
  });
  it('private: a photo without caption gets an explanation', () => {
    expect(routeMessage(message({ photo: PHOTO }), OPTS)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/caption/) });
  });
  it('/edit replying to a photo uses that photo; without prompt or photo it explains usage', () => {
    const replied = message({ message_id: 5, photo: PHOTO });
    expect(routeMessage(message({ text: '/edit add a hat', reply_to_message: replied } as Partial<Message>), OPTS)).toMatchObject({
      kind: 'edit',
      options: { prompt: 'add a hat' },
      images: [{ fileId: 'big' }],
    });
    expect(routeMessage(message({ text: '/edit', reply_to_message: replied } as Partial<Message>), OPTS).kind).toBe('reply');
    expect(routeMessage(message({ text: '/edit add a hat' }), OPTS).kind).toBe('reply');
  });
  it('groups: only /edit captions and mentions of the bot start a job', () => {
    const group = (caption: string) => message({ chatType: 'supergroup', photo: PHOTO, caption });
    expect(routeMessage(group('my cat'), OPTS)).toEqual({ kind: 'ignore' });
    expect(routeMessage(group('/edit@nano_test_bot make it blue'), OPTS)).toMatchObject({ kind: 'edit', options: { prompt: 'make it blue' } });
    expect(routeMessage(group('/edit@other_bot make it blue'), OPTS)).toEqual({ kind: 'ignore' });
    expect(routeMessage(group('@nano_test_bot make it blue'), OPTS)).toMatchObject({ kind: 'edit', options: { prompt: 'make it blue' } });
    expect(routeMessage(group('@nano_test_bot'), OPTS).kind).toBe('reply');
    expect(routeMessage(message({ chatType: 'group', photo: PHOTO }), OPTS)).toEqual({ kind: 'ignore' });
    expect(routeMessage(message({ chatType: 'group', text: 'hello' }), OPTS)).toEqual({ kind: 'ignore' });
    expect(routeMessage(message({ chatType: 'group', text: '/settings' }), OPTS)).toEqual({ kind: 'ignore' });
  });
  it('maps /start, /help and /quota, and ignores messages without a user', () => {
    expect(routeMessage(message({ text: '/start' }), OPTS)).toEqual({ kind: 'help' });
    expect(routeMessage(message({ text: '/help@nano_test_bot' }), OPTS)).toEqual({ kind: 'help' });
    expect(routeMessage(message({ text: '/quota' }), OPTS)).toEqual({ kind: 'quota' });
    expect(routeMessage(message({ text: '/quota', from: undefined } as Partial<Message>), OPTS)).toEqual({ kind: 'ignore' });
    expect(routeMessage(message({ text: 'hello' }), OPTS).kind).toBe('reply');
  });
  it('/imagine takes a prompt with options; without one it explains, and bad options are refused', () => {
    expect(routeMessage(message({ text: '/imagine a fox in snow --n 2 --ar 16:9 --webp' }), OPTS)).toEqual({
      kind: 'imagine',
      options: { prompt: 'a fox in snow', count: 2, aspectRatio: '16:9', outputFormat: 'webp' },
    });
    expect(routeMessage(message({ text: '/imagine' }), OPTS)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/\/imagine a red fox/) });
    expect(routeMessage(message({ text: '/imagine a fox --n 9' }), OPTS)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/--n takes a number from 1 to 4/) });
    expect(routeMessage(message({ text: '/imagine a fox --size big' }), OPTS)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/do not know the option --size/) });
    expect(routeMessage(message({ text: '/imagine --png' }), OPTS)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/Add a prompt/) });
  });
  it('reads options in captions too: --ar=3:4, --format jpg', () => {
    expect(routeMessage(message({ photo: PHOTO, caption: 'sharpen --ar=3:4 --format jpg' }), OPTS)).toMatchObject({
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
    expect(routeMessage(group({ text: '/quota_grant 5', reply_to_message: replied } as Partial<Message>), OPTS)).toEqual({
      kind: 'moderate',
      command: { action: 'grant', target: { kind: 'user', target: { userId: '42', isBot: false, name: '@bob' } }, argument: '5' },
    });
    expect(routeMessage(group({ text: `/quota_set@${BOT} @bob 20` }), OPTS)).toEqual({
      kind: 'moderate',
      command: { action: 'set', target: { kind: 'username', username: 'bob' }, argument: '20' },
    });
    // In private only owners succeed; the command decides, so the route passes it on.
    expect(routeMessage(message({ text: '/quota_default 3' }), OPTS)).toEqual({ kind: 'moderate', command: { action: 'default', argument: '3' } });
    expect(routeMessage(group({ text: '/quota_grant@other_bot 5' }), OPTS)).toEqual({ kind: 'ignore' });
  });

  it("lets the group's anonymous admin through for moderator commands only", () => {
    const asGroup = { from: anonymous, sender_chat: theGroup } as Partial<Message>;
    expect(routeMessage(group({ ...asGroup, text: '/quota_show 42' }), OPTS)).toMatchObject({ kind: 'moderate', command: { action: 'show' } });
    expect(routeMessage(group({ ...asGroup, text: '/imagine a fox' }), OPTS)).toEqual({ kind: 'ignore' });
    expect(routeMessage(group({ ...asGroup, text: '/quota' }), OPTS)).toEqual({ kind: 'ignore' });
    expect(routeMessage(group({ ...asGroup, photo: PHOTO, caption: `@${BOT} make it blue` }), OPTS)).toEqual({ kind: 'ignore' });
  });

  it('ignores other bots, and the anonymous admin bot speaking for another chat or for no chat', () => {
    const otherChat = { id: -200, type: 'supergroup' as const, title: 'Other' };
    expect(routeMessage(group({ from: anonymous, sender_chat: otherChat, text: '/quota_show 42' } as Partial<Message>), OPTS)).toEqual({
      kind: 'ignore',
    });
    expect(routeMessage(group({ from: anonymous, text: '/quota_show 42' }), OPTS)).toEqual({ kind: 'ignore' });
    const helper = { id: 99, is_bot: true, first_name: 'Helper', username: 'helper_bot' };
    expect(routeMessage(group({ from: helper, text: '/quota_grant 42 5' }), OPTS)).toEqual({ kind: 'ignore' });
    const channel = { id: -1009, type: 'channel' as const, title: 'News' };
    const channelBot = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' };
    expect(routeMessage(group({ from: channelBot, sender_chat: channel, text: '/quota_grant 42 5' } as Partial<Message>), OPTS)).toEqual({
      kind: 'ignore',
    });
  });
});

describe('routeMessage: replies and refusals', () => {
  const photo = message({ message_id: 5, photo: PHOTO });
  const doc = (mime_type: string, fields: Parameters<typeof message>[0] = {}) =>
    message({ message_id: 6, document: { file_id: 'd', file_unique_id: 'd', mime_type, file_name: 'cat.png', file_size: 5 }, ...fields });

  it('private: plain text replying to an image edits it; replying to text still gets the hint', () => {
    expect(routeMessage(message({ text: 'add a hat', reply_to_message: photo } as Partial<Message>), OPTS)).toMatchObject({
      kind: 'edit',
      options: { prompt: 'add a hat' },
      images: [{ fileId: 'big' }],
    });
    const text = message({ message_id: 4, text: 'hello' });
    expect(routeMessage(message({ text: 'add a hat', reply_to_message: text } as Partial<Message>), OPTS)).toMatchObject({
      kind: 'reply',
      text: expect.stringMatching(/Send me a photo/),
    });
  });
  it('groups: a reply edits only with /edit or a mention of the bot', () => {
    const groupPhoto = message({ chatType: 'supergroup', message_id: 5, photo: PHOTO });
    const reply = (text: string) => message({ chatType: 'supergroup', text, reply_to_message: groupPhoto } as Partial<Message>);
    expect(routeMessage(reply('add a hat'), OPTS)).toEqual({ kind: 'ignore' });
    expect(routeMessage(reply(`@${BOT} add a hat`), OPTS)).toMatchObject({ kind: 'edit', options: { prompt: 'add a hat' } });
    expect(routeMessage(reply('/edit@other_bot add a hat'), OPTS)).toEqual({ kind: 'ignore' });
  });
  it('a reply to a remembered album item edits the whole album', () => {
    const album = [{ fileId: 'a1' }, { fileId: 'a2' }, { fileId: 'a3' }];
    const options: RouteOptions = { ...OPTS, albumImages: (chatId, id) => (chatId === 7 && id === 5 ? album : undefined) };
    expect(routeMessage(message({ text: '/edit add a hat', reply_to_message: photo } as Partial<Message>), options)).toMatchObject({
      kind: 'edit',
      images: album,
    });
  });
  it('refuses files that are no image we can edit, however they are named', () => {
    const notAnImage = { kind: 'reply', text: expect.stringMatching(/only edit images/) };
    expect(routeMessage(doc('application/pdf', { caption: 'make it blue' }), OPTS)).toMatchObject(notAnImage);
    expect(routeMessage(doc('application/octet-stream', { caption: 'make it blue' }), OPTS)).toMatchObject(notAnImage);
    expect(routeMessage(doc('application/pdf'), OPTS)).toMatchObject(notAnImage);
    const pdf = doc('application/pdf');
    expect(routeMessage(message({ text: '/edit make it blue', reply_to_message: pdf } as Partial<Message>), OPTS)).toMatchObject(notAnImage);
    // Ordinary files shared in a group are not for the bot.
    expect(routeMessage(doc('application/pdf', { chatType: 'supergroup', caption: 'minutes' }), OPTS)).toEqual({ kind: 'ignore' });
  });
  it('refuses a file declared over the download limit, naming the limit', () => {
    const big = message({ document: { file_id: 'd', file_unique_id: 'd', mime_type: 'image/png', file_size: 21 * 1024 * 1024 }, caption: 'sharpen' });
    expect(routeMessage(big, OPTS)).toMatchObject({ kind: 'reply', text: expect.stringMatching(/up to 20 MB/) });
    expect(routeMessage(big, { ...OPTS, maxImageBytes: 50 * 1024 * 1024 })).toMatchObject({ kind: 'edit' });
  });
});

describe('routeAlbum', () => {
  const item = (message_id: number, fields: Parameters<typeof message>[0] = {}) =>
    message({ message_id, media_group_id: 'g', photo: [{ ...PHOTO[1]!, file_id: `p${message_id}` }], ...fields });

  it('routes the captioned item with every image in message order', () => {
    const { route, anchor } = routeAlbum([item(12), item(11, { caption: 'make it blue' }), item(10)], OPTS);
    expect(anchor.message_id).toBe(11);
    expect(route).toMatchObject({ kind: 'edit', options: { prompt: 'make it blue' }, images: [{ fileId: 'p10' }, { fileId: 'p11' }, { fileId: 'p12' }] });
  });
  it('asks once for a caption in private, ignores an uncaptioned or unaddressed album in a group', () => {
    const { route, anchor } = routeAlbum([item(21), item(20)], OPTS);
    expect(anchor.message_id).toBe(20);
    expect(route).toMatchObject({ kind: 'reply', text: expect.stringMatching(/caption/) });
    const group = (caption?: string) => [item(30, { chatType: 'supergroup', ...(caption ? { caption } : {}) }), item(31, { chatType: 'supergroup' })];
    expect(routeAlbum(group(), OPTS).route).toEqual({ kind: 'ignore' });
    expect(routeAlbum(group('holiday'), OPTS).route).toEqual({ kind: 'ignore' });
    expect(routeAlbum(group('/edit@other_bot make it blue'), OPTS).route).toEqual({ kind: 'ignore' });
    expect(routeAlbum(group(`/edit@${BOT} make it blue`), OPTS).route).toMatchObject({ kind: 'edit', images: [{ fileId: 'p30' }, { fileId: 'p31' }] });
  });
  it('refuses an album with more images than one job takes', () => {
    const items = [1, 2, 3, 4, 5].map((id) => item(id, id === 1 ? { caption: 'make it blue' } : {}));
    expect(routeAlbum(items, OPTS).route).toMatchObject({ kind: 'reply', text: expect.stringMatching(/5 images; I can edit at most 4/) });
  });
});
