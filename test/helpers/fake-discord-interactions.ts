import { randomBytes } from 'node:crypto';
import {
  APPLICATION_ID, DEFAULT_USER_ID, GUILDS, snowflake, type FakeDiscordState, type InteractionRecord, type Json,
} from './fake-discord-state.ts';

/**
 * INTERACTION_CREATE payloads as the real gateway sends them (discord-api-types v10), for chat input
 * commands, buttons, modal submits and message context menu commands. Each builder registers the
 * interaction in the state, so its token works on the callback and webhook routes.
 */

/** The permissions the fake gives a member unless told otherwise: no Manage Server, no Administrator. */
export const MEMBER_PERMISSIONS = '2248473465835073';

/** What every dispatch accepts. */
export interface CommonDispatch {
  userId?: string;
  /** The invoking user's username; default `tester`. */
  username?: string;
  /** Default: the fake's guild (for components and menus: the message's); null for a direct message. */
  guildId?: string | null;
  /** The user's client locale; default `en-US`. */
  locale?: string;
  /** Default: the guild's text channel, the user's DM channel, or the channel of the message acted on. */
  channelId?: string;
  /**
   * `member.permissions` in guilds: the bitfield Discord computed for the member in this channel.
   * The default grants ordinary member rights, without Manage Server (0x20) or Administrator (0x8).
   */
  memberPermissions?: string;
  /** `attachment_size_limit` of the interaction; default 10 MiB. */
  attachmentSizeLimit?: number;
}

export interface Dispatched {
  id: string;
  token: string;
  dispatchedAt: number;
}

/** Where an interaction comes from when the test did not say: the message acted on, else the default guild. */
export interface Origin {
  guildId: string | null;
  channelId?: string;
  sourceMessageId?: string;
}

/**
 * The fields every interaction payload shares (type and data aside), with the interaction recorded
 * in the state under its token.
 */
export function interactionEnvelope(state: FakeDiscordState, o: CommonDispatch, type: number, messageType: number, origin: Origin): { record: InteractionRecord; payload: Json } {
  const guildId = o.guildId === undefined ? origin.guildId : o.guildId;
  const userId = o.userId ?? DEFAULT_USER_ID;
  const user = { id: userId, username: o.username ?? 'tester', discriminator: '0', global_name: 'Tester', avatar: null };
  state.users.set(userId, user);
  const channelId = o.channelId ?? origin.channelId ?? (guildId ? (GUILDS.find((g) => g.id === guildId)?.channelId ?? GUILDS[0].channelId) : state.dmChannel(userId).id);
  const record: InteractionRecord = {
    id: snowflake(), token: `aW50ZXJhY3Rpb24.${randomBytes(24).toString('base64url')}`, type, messageType, channelId, guildId, user,
    acked: false, originalId: null, sourceMessageId: origin.sourceMessageId ?? null, followUpIds: new Set(),
  };
  state.interactions.set(record.token, record);
  const locale = o.locale ?? 'en-US';
  const payload: Json = {
    id: record.id, application_id: APPLICATION_ID, type, token: record.token, version: 1,
    channel_id: channelId,
    channel: guildId ? { id: channelId, type: 0, guild_id: guildId, name: 'general', flags: 0 } : { id: channelId, type: 1, recipients: [user], flags: 0 },
    app_permissions: MEMBER_PERMISSIONS, locale, entitlements: [], context: guildId ? 0 : 1,
    authorizing_integration_owners: guildId ? { 0: guildId } : { 1: user.id }, attachment_size_limit: o.attachmentSizeLimit ?? 10 * 1024 * 1024,
    ...(guildId
      ? {
        guild_id: guildId, guild: { id: guildId, locale: 'en-US', features: [] }, guild_locale: 'en-US',
        member: { user, roles: [], permissions: o.memberPermissions ?? MEMBER_PERMISSIONS, joined_at: new Date().toISOString(), nick: null, avatar: null, flags: 0, deaf: false, mute: false, pending: false },
      }
      : { user }),
  };
  return { record, payload };
}

/** The message a component or modal acts on: the fake's current version of it, or the object given. */
export function heldMessage(state: FakeDiscordState, message: Json | string): Json {
  const id = typeof message === 'string' ? message : message?.id;
  const held = state.messages.get(id);
  if (held) return held;
  if (typeof message === 'string') throw new Error(`fake discord: no message ${id}`);
  return message;
}

/** Where a dispatch on `message` comes from unless the test says otherwise. */
export function originOf(message: Json): Origin {
  return { guildId: message.guild_id ?? null, channelId: message.channel_id, sourceMessageId: message.id };
}

/** All components of a message or modal, nested ones (action rows, labels, sections, containers) included. */
export function flattenComponents(components: Json[] | undefined): Json[] {
  return (components ?? []).flatMap((c: Json) => [c, ...flattenComponents(c.components), ...(c.component ? flattenComponents([c.component]) : []), ...(c.accessory ? [c.accessory] : [])]);
}

/**
 * `data.components` of a modal submit, mirroring the modal the bot opened (action rows of text inputs,
 * or labels wrapping them) as discord.js's ModalSubmitFields reads both. Without a known modal: rows.
 */
export function modalSubmitComponents(modal: Json | undefined, fields: Record<string, string>): Json[] {
  if (!modal) return Object.entries(fields).map(([custom_id, value], i) => ({ type: 1, id: 2 * i + 1, components: [{ type: 4, id: 2 * i + 2, custom_id, value }] }));
  const inputs = flattenComponents(modal.components).filter((c: Json) => c.type === 4).map((c: Json) => c.custom_id);
  const unknown = Object.keys(fields).filter((name) => !inputs.includes(name));
  if (unknown.length > 0) throw new Error(`fake discord: the modal ${String(modal.custom_id)} has no text input ${unknown.join(', ')} (it has ${inputs.join(', ')})`);
  let nextId = 1;
  const submitted = (c: Json): Json => {
    const id = c.id ?? nextId++;
    if (c.type === 4) return { type: 4, id, custom_id: c.custom_id, value: fields[c.custom_id] ?? '' };
    if (c.type === 1) return { type: 1, id, components: (c.components ?? []).map(submitted) };
    if (c.type === 18) return { type: 18, id, component: submitted(c.component) };
    return { type: c.type, id };
  };
  return modal.components.map(submitted);
}
