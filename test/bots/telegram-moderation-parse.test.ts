import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import {
  moderatorActionOf,
  parseModeratorCommand,
  toModerationRequest,
  type ModeratorCommandText,
} from '../../src/bots/telegram/moderation-parse.ts';
import { TELEGRAM_MODERATOR_COMMANDS } from '../../src/commands/moderation-specs.ts';

const GROUP = { id: -100, type: 'supergroup' as const, title: 'G' };
const ADMIN = { id: 7, is_bot: false, first_name: 'Ann', username: 'ann' };

function groupMessage(fields: Partial<Message> = {}): Message {
  return { message_id: 10, date: 0, chat: GROUP, from: ADMIN, ...fields } as Message;
}

/** A message replying to one from `from` (and, when given, sent on behalf of `senderChat`). */
function replyingTo(from: Message['from'], extra: Partial<Message> = {}): Message {
  const replied = { message_id: 5, date: 0, chat: GROUP, from, ...extra } as Message;
  return groupMessage({ reply_to_message: replied } as Partial<Message>);
}

const bob = { id: 42, is_bot: false, first_name: 'Bob', username: 'bob' };
const bobTarget = { kind: 'user', target: { userId: '42', isBot: false, name: '@bob' } };

describe('moderatorActionOf', () => {
  it('knows every listed command and nothing else', () => {
    for (const { command, action } of TELEGRAM_MODERATOR_COMMANDS) expect(moderatorActionOf(command)).toBe(action);
    expect(moderatorActionOf('QUOTA_GRANT')).toBe('grant');
    expect(moderatorActionOf('quota')).toBeUndefined();
    expect(moderatorActionOf('quota_grants')).toBeUndefined();
    expect(moderatorActionOf('edit')).toBeUndefined();
  });
});

describe('parseModeratorCommand', () => {
  it('takes the target from the replied-to message, and all the text as arguments', () => {
    expect(parseModeratorCommand('grant', ' 5 ', replyingTo(bob))).toEqual({ action: 'grant', target: bobTarget, argument: '5' });
    expect(parseModeratorCommand('block', 'spam and @carol', replyingTo(bob))).toEqual({
      action: 'block',
      target: bobTarget,
      argument: 'spam and @carol',
    });
    expect(parseModeratorCommand('set', 'default', replyingTo(bob))).toMatchObject({ target: bobTarget, argument: 'default' });
    const noUsername = { id: 43, is_bot: false, first_name: 'Dora' };
    expect(parseModeratorCommand('show', '', replyingTo(noUsername)).target).toEqual({
      kind: 'user',
      target: { userId: '43', isBot: false, name: 'Dora' },
    });
  });

  it('marks bots, the anonymous admin and channels in the replied-to message as bots', () => {
    const bot = { id: 99, is_bot: true, first_name: 'Helper', username: 'helper_bot' };
    expect(parseModeratorCommand('grant', '5', replyingTo(bot)).target).toMatchObject({ kind: 'user', target: { userId: '99', isBot: true } });
    const anonymous = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
    expect(parseModeratorCommand('grant', '5', replyingTo(anonymous, { sender_chat: GROUP } as Partial<Message>)).target).toMatchObject({
      target: { isBot: true },
    });
    // A linked channel's automatic forward comes from the (non-bot) Telegram service account.
    const telegram = { id: 777000, is_bot: false, first_name: 'Telegram' };
    const channel = { id: -1009, type: 'channel', title: 'News' };
    expect(parseModeratorCommand('grant', '5', replyingTo(telegram, { sender_chat: channel } as Partial<Message>)).target).toMatchObject({
      target: { isBot: true, name: 'News' },
    });
  });

  it('does not take a forum topic opening message for a reply', () => {
    const opening = { forum_topic_created: { name: 'Topic', icon_color: 1 } } as Partial<Message>;
    const message = replyingTo(bob, opening);
    expect(parseModeratorCommand('grant', '@carol 5', message)).toEqual({
      action: 'grant',
      target: { kind: 'username', username: 'carol' },
      argument: '5',
    });
  });

  it('without a reply, reads a leading @username or numeric id, then the arguments', () => {
    expect(parseModeratorCommand('set', '@Bob 20', groupMessage())).toEqual({
      action: 'set',
      target: { kind: 'username', username: 'Bob' },
      argument: '20',
    });
    expect(parseModeratorCommand('block', '12345   too many\nrequests', groupMessage())).toEqual({
      action: 'block',
      target: { kind: 'user', target: { userId: '12345', isBot: false } },
      argument: 'too many\nrequests',
    });
    // Where no number follows, a lone number is the id.
    expect(parseModeratorCommand('show', '5', groupMessage()).target).toEqual({ kind: 'user', target: { userId: '5', isBot: false } });
    expect(parseModeratorCommand('unblock', '@bob', groupMessage())).toEqual({
      action: 'unblock',
      target: { kind: 'username', username: 'bob' },
      argument: '',
    });
  });

  it('reports a missing target and keeps the text as arguments', () => {
    expect(parseModeratorCommand('grant', '5', groupMessage())).toEqual({ action: 'grant', target: { kind: 'missing' }, argument: '5' });
    expect(parseModeratorCommand('set', '20', groupMessage())).toEqual({ action: 'set', target: { kind: 'missing' }, argument: '20' });
    expect(parseModeratorCommand('show', '', groupMessage())).toEqual({ action: 'show', target: { kind: 'missing' }, argument: '' });
    // Not ids: zero, negative, too long for an exact number, mixed.
    for (const token of ['0', '-3', '1234567890123456', '12abc', 'bob']) {
      expect(parseModeratorCommand('reset', token, groupMessage()).target).toEqual({ kind: 'missing' });
    }
  });

  it('/quota_default takes no target, even when replying', () => {
    expect(parseModeratorCommand('default', '15', replyingTo(bob))).toEqual({ action: 'default', argument: '15' });
    expect(parseModeratorCommand('default', '@bob 15', groupMessage())).toEqual({ action: 'default', argument: '@bob 15' });
  });

  it('/quota_log: the target is optional, and a lone number is the page', () => {
    expect(parseModeratorCommand('log', '', groupMessage())).toEqual({ action: 'log', argument: '' });
    expect(parseModeratorCommand('log', '2', groupMessage())).toEqual({ action: 'log', argument: '2' });
    expect(parseModeratorCommand('log', '12345 2', groupMessage())).toEqual({
      action: 'log',
      target: { kind: 'user', target: { userId: '12345', isBot: false } },
      argument: '2',
    });
    expect(parseModeratorCommand('log', '@bob', groupMessage())).toEqual({
      action: 'log',
      target: { kind: 'username', username: 'bob' },
      argument: '',
    });
    expect(parseModeratorCommand('log', '3', replyingTo(bob))).toEqual({ action: 'log', target: bobTarget, argument: '3' });
  });
});

describe('toModerationRequest', () => {
  const user = { kind: 'user', target: { userId: '42', isBot: false } } as const;
  const text = (action: ModeratorCommandText['action'], argument: string): ModeratorCommandText => ({ action, argument });

  it('passes numbers on as typed and leaves absent ones undefined', () => {
    expect(toModerationRequest(text('grant', '-3'), user)).toEqual({ action: 'grant', target: user, amount: '-3' });
    expect(toModerationRequest(text('grant', ''), user)).toEqual({ action: 'grant', target: user, amount: undefined });
    expect(toModerationRequest(text('set', 'default'), user)).toEqual({ action: 'set', target: user, limit: 'default' });
    expect(toModerationRequest(text('default', '99999999999'), undefined)).toEqual({ action: 'default', limit: '99999999999' });
    expect(toModerationRequest(text('log', ''), undefined)).toEqual({ action: 'log', target: undefined, page: undefined });
  });

  it('drops extra words where none are taken, and passes the reason on', () => {
    expect(toModerationRequest(text('reset', 'now please'), user)).toEqual({ action: 'reset', target: user });
    expect(toModerationRequest(text('block', 'spam,\n  twice'), user)).toEqual({ action: 'block', target: user, reason: 'spam,\n  twice' });
    expect(toModerationRequest(text('block', ''), user)).toMatchObject({ reason: undefined });
  });

  it('a command that needs a target and got none says so', () => {
    expect(toModerationRequest(text('show', ''), undefined)).toEqual({ action: 'show', target: { kind: 'missing' } });
  });
});
