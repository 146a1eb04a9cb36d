import { Routes, type REST, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Logger } from '../../core/log.ts';
import { describeDiscordError, discordFailure } from './errors.ts';
import type { Card } from './progress-card.ts';
import { rawFilesOf, type UploadFile } from './result-files.ts';

/** Interaction tokens are valid for 15 minutes (Discord: receiving and responding). */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
/** An upload started just before the end may outlive the token: stop using it a minute early. */
export const TOKEN_SAFETY_MARGIN_MS = 60_000;

/** True once the interaction token can no longer be trusted to work. */
export function tokenExpired(createdTimestamp: number, now: number): boolean {
  return now >= createdTimestamp + TOKEN_LIFETIME_MS - TOKEN_SAFETY_MARGIN_MS;
}

/** 50027 Invalid Webhook Token, 10015 Unknown Webhook, or a bare 401: the token is dead, for good. */
export function isTokenGone(error: unknown): boolean {
  const { status, code } = describeDiscordError(error, []);
  return status === 401 || code === 50027 || code === 10015;
}

/** 50013 Missing Permissions, 50001 Missing Access, 10003 Unknown Channel, 403: this channel is closed to the bot. */
export function isChannelClosed(error: unknown): boolean {
  const { status, code } = describeDiscordError(error, []);
  return status === 403 || code === 50013 || code === 50001 || code === 10003;
}

/** A message sent without the interaction token, by the bot itself. */
export interface LateMessage {
  readonly content: string;
  readonly card?: Card | undefined;
  readonly files?: readonly UploadFile[] | undefined;
  /** The one user the content may ping (the requester); nobody else, whatever the text says. */
  readonly mentionUserId?: string | undefined;
}

export interface LateTarget {
  readonly rest: REST;
  /** Where the request was made; null or skipped when the answer must stay private. */
  readonly channelId: string | null;
  readonly userId: string;
  readonly logger: Logger;
  /** Kept out of logs and errors (the bot token). */
  readonly secrets: readonly (string | undefined)[];
}

/**
 * Sends what the interaction token can no longer carry: to the request's channel, or when the bot may
 * not post there (no access, no permission, a channel of a user-installed app), to the requester by
 * direct message. Never drops it silently: when both fail it throws DELIVERY_FAILED, so the core
 * refunds the quota. Resolves with where it went.
 */
export async function sendLate(target: LateTarget, message: LateMessage): Promise<'channel' | 'dm'> {
  const secrets = target.secrets;
  if (target.channelId) {
    try {
      await post(target.rest, target.channelId, message);
      return 'channel';
    } catch (error) {
      const level = isChannelClosed(error) ? 'info' : 'warn';
      target.logger[level]({ discord: describeDiscordError(error, secrets) }, 'late delivery to the channel failed; trying a direct message');
    }
  }
  try {
    const dm = (await target.rest.post(Routes.userChannels(), { body: { recipient_id: target.userId } })) as { id: string };
    await post(target.rest, dm.id, message);
    return 'dm';
  } catch (error) {
    target.logger.error({ discord: describeDiscordError(error, secrets) }, 'late delivery by direct message failed');
    throw discordFailure(error, 'late delivery (channel and direct message)', secrets);
  }
}

async function post(rest: REST, channelId: string, message: LateMessage): Promise<void> {
  const files = message.files ?? [];
  const body: RESTPostAPIChannelMessageJSONBody = {
    content: message.content,
    embeds: message.card?.embeds ?? [],
    components: message.card?.components ?? [],
    allowed_mentions: { parse: [], users: message.mentionUserId ? [message.mentionUserId] : [] },
    ...(files.length ? { attachments: files.map((file, id) => ({ id, filename: file.name })) } : {}),
  };
  await rest.post(Routes.channelMessages(channelId), { body, ...(files.length ? { files: rawFilesOf(files) } : {}) });
}
