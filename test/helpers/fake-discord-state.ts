import { imageSize } from 'image-size';

/**
 * What the loopback Discord holds between requests: channels, messages, interactions, the CDN, the
 * registered commands and the failures a test scripted. The REST routes, the gateway and the
 * interaction builders all read and change this one state.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary payload fields
export type Json = any;

export interface DiscordCall {
  method: string;
  /** Decoded path without the query, e.g. `/api/v10/webhooks/<app>/<token>/messages/@original`. */
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body, or `payload_json` of a multipart body; undefined when empty. */
  json: Json;
  files: Array<{ field: string; filename: string; bytes: Buffer; contentType?: string }>;
  at: number;
}

/** A REST answer: status and JSON body (none for 204). */
export type Reply = [number, Json?];

export interface InteractionRecord {
  id: string;
  token: string;
  /** 2 application command, 3 message component, 5 modal submit. */
  type: number;
  /** The message type of the responses: 20 slash command, 23 context menu command, 0 otherwise. */
  messageType: number;
  channelId: string;
  guildId: string | null;
  user: Json;
  acked: boolean;
  /** The message `@original` stands for: the response, or for 6/7 callbacks the message the button was on. */
  originalId: string | null;
  /** The message a component (or a modal opened from one) sits on. */
  sourceMessageId: string | null;
  /** Follow-ups sent with this interaction's token. */
  followUpIds: Set<string>;
}

export const APPLICATION_ID = '100000000000000001';
export const DEFAULT_USER_ID = '200000000000000001';
/** Two guilds whose ids land on shards 0 and 1 of 2 (`(id >> 22) % 2`), each with one text channel. */
export const GUILDS = [
  { id: '300000000000000001', channelId: '400000000000000001' },
  { id: '300000000004194305', channelId: '400000000000000002' },
] as const;

const DISCORD_EPOCH = 1420070400000n;
let sequence = 0n;
/** Real-looking snowflakes, so discord.js derives sane timestamps from ids. */
export function snowflake(): string {
  sequence = (sequence + 1n) & 0xfffn;
  return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | sequence);
}

/** A Discord user object as it appears in payloads and `resolved.users`. */
export function discordUser(id: string, username: string, options: { bot?: boolean } = {}): Json {
  return { id, username, discriminator: '0', global_name: username, avatar: null, ...(options.bot ? { bot: true } : {}) };
}

export interface ScriptedFailure {
  predicate: (call: DiscordCall) => boolean;
  status: number;
  body: Json;
}

export class FakeDiscordState {
  readonly calls: DiscordCall[] = [];
  readonly identifies: Json[] = [];
  /** By token. */
  readonly interactions = new Map<string, InteractionRecord>();
  /** Interaction id → the callback body the bot sent. */
  readonly callbacks = new Map<string, Json>();
  readonly messages = new Map<string, Json>();
  readonly channels = new Map<string, Json>();
  /** User id → DM channel id; `dmsOpened` holds the users the bot opened one for itself. */
  readonly dmChannels = new Map<string, string>();
  readonly dmsOpened = new Set<string>();
  /** Users seen in dispatches, so a DM channel names its recipient properly. */
  readonly users = new Map<string, Json>();
  readonly cdn = new Map<string, { bytes: Buffer; contentType: string }>();
  /** 'global' or a guild id → the registered commands. */
  readonly commands = new Map<string, Json[]>();
  readonly expiredTokens = new Set<string>();
  readonly forbiddenChannels = new Set<string>();
  readonly failures: ScriptedFailure[] = [];
  readonly botUser: Json = { id: APPLICATION_ID, username: 'Nano Banana', discriminator: '0000', global_name: null, avatar: null, bot: true, flags: 0 };
  commandPuts = 0;
  heartbeats = 0;
  /** The shard count GET /gateway/bot recommends. */
  shards = 1;
  /** http://127.0.0.1:PORT once listening. */
  base = '';

  readonly token: string;

  constructor(token: string) {
    this.token = token;
    for (const guild of GUILDS) {
      this.channels.set(guild.channelId, {
        id: guild.channelId, type: 0, guild_id: guild.id, name: 'general', position: 0, permission_overwrites: [], parent_id: null,
        nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0, flags: 0,
      });
    }
  }

  /** Serves the bytes on the CDN and returns the attachment object; images get their width and height, as on Discord. */
  attachment(bytes: Buffer, filename: string, contentType: string, options: { size?: { width: number; height: number }; ephemeral?: boolean; description?: string } = {}): Json {
    const id = snowflake();
    this.cdn.set(`/attachments/${id}/${filename}`, { bytes, contentType });
    const url = `${this.base}/attachments/${id}/${encodeURIComponent(filename)}`;
    const size = options.size ?? (contentType.startsWith('image/') ? dimensionsOf(bytes) : undefined);
    return {
      id, filename, size: bytes.length, url, proxy_url: url, content_type: contentType, ...size,
      ...(options.description ? { description: options.description } : {}), ...(options.ephemeral ? { ephemeral: true } : {}),
    };
  }

  /** The DM channel with this user, created on first use like Discord's (one per user). */
  dmChannel(userId: string): Json {
    let id = this.dmChannels.get(userId);
    if (!id) {
      id = snowflake();
      this.dmChannels.set(userId, id);
      const recipient = this.users.get(userId) ?? discordUser(userId, `user${userId.slice(-4)}`);
      this.channels.set(id, { id, type: 1, recipients: [recipient], last_message_id: null, flags: 0 });
    }
    return this.channels.get(id);
  }

  /** Stores a new message made of `base` plus the content, embeds, components and files of a request body. */
  createMessage(base: Json, body: Json, files: DiscordCall['files']): Json {
    const channel = this.channels.get(base.channel_id);
    const guildId = base.guild_id ?? channel?.guild_id;
    const attachments = files.map((file, index) => {
      const described = (body?.attachments ?? []).find((a: Json) => String(a.id) === String(index));
      return this.attachment(file.bytes, file.filename, file.contentType ?? 'application/octet-stream', { description: described?.description });
    });
    const message: Json = {
      id: snowflake(), type: 0, author: this.botUser, content: body?.content ?? '', embeds: [], attachments, components: [],
      mentions: [], mention_roles: [], mention_everyone: false, pinned: false, tts: false,
      timestamp: new Date().toISOString(), edited_timestamp: null, flags: 0,
      ...base,
      ...(guildId ? { guild_id: guildId } : {}),
    };
    message.embeds = resolveAttachmentUrls(body?.embeds ?? [], attachments);
    message.components = body?.components ?? [];
    message.mentions = this.mentionsOf(message.content, body?.allowed_mentions);
    if (body?.message_reference) message.message_reference = { type: 0, channel_id: message.channel_id, ...body.message_reference };
    this.messages.set(message.id, message);
    return message;
  }

  /** Applies an edit the way Discord does: `attachments` lists what to keep, files are added, the rest replaces. */
  editMessage(current: Json, body: Json, files: DiscordCall['files']): Json {
    body ??= {};
    const keep: Json[] = body.attachments === undefined ? current.attachments : current.attachments.filter((a: Json) => body.attachments.some((k: Json) => String(k.id) === a.id));
    const added = files.map((file) => this.attachment(file.bytes, file.filename, file.contentType ?? 'application/octet-stream', { ephemeral: Boolean(current.flags & 64) }));
    const attachments = [...keep, ...added];
    // Ephemerality cannot change; "is thinking" (128) ends with the first edit.
    const flags = (current.flags & 64) | ((body.flags ?? current.flags) & ~(64 | 128));
    const content = body.content === undefined ? current.content : (body.content ?? '');
    const edited: Json = {
      ...current, content, attachments, flags, edited_timestamp: new Date().toISOString(),
      embeds: body.embeds === undefined ? current.embeds : resolveAttachmentUrls(body.embeds ?? [], attachments),
      components: body.components === undefined ? current.components : (body.components ?? []),
      mentions: body.content === undefined ? current.mentions : this.mentionsOf(content, body.allowed_mentions),
    };
    this.messages.set(edited.id, edited);
    return edited;
  }

  /** Users mentioned as `<@id>` in the content whom `allowed_mentions` lets ping (all when it is absent). */
  private mentionsOf(content: string, allowed: Json): Json[] {
    const ids = [...new Set([...String(content ?? '').matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!))];
    const permitted = (id: string) => !allowed || (allowed.parse ?? []).includes('users') || (allowed.users ?? []).includes(id);
    return ids.filter(permitted).map((id) => this.users.get(id) ?? discordUser(id, `user${id.slice(-4)}`));
  }
}

/** Embeds may point at an uploaded file as `attachment://name`; Discord serves them from the CDN. */
function resolveAttachmentUrls(embeds: Json[], attachments: Json[]): Json[] {
  const resolve = (media: Json) => {
    const name = typeof media?.url === 'string' && media.url.startsWith('attachment://') ? media.url.slice('attachment://'.length) : undefined;
    const file = name === undefined ? undefined : attachments.find((a) => a.filename === name);
    return file ? { ...media, url: file.url, proxy_url: file.proxy_url, width: file.width, height: file.height } : media;
  };
  return embeds.map((embed) => ({
    type: 'rich', ...embed,
    ...(embed.image ? { image: resolve(embed.image) } : {}),
    ...(embed.thumbnail ? { thumbnail: resolve(embed.thumbnail) } : {}),
  }));
}

function dimensionsOf(bytes: Buffer): { width: number; height: number } | undefined {
  try {
    const { width, height } = imageSize(bytes);
    return width && height ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}
