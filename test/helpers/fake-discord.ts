import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A loopback Discord for the real discord.js: REST under /api/v10, the gateway as a WebSocket on the
 * same port (its URL comes from GET /gateway/bot, as with Discord), and a CDN for attachments under
 * /attachments. Only JSON encoding; zlib-stream is refused (discord.js uses it only with zlib-sync),
 * identify compression is honoured.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary payload fields
type Json = any;
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
/**
 * One option of a chat input interaction: a value (type 3 string, 4 integer, 6 user id, 11 attachment
 * id), or a subcommand (type 1) carrying its own options.
 */
export interface CommandOption {
  name: string;
  type: number;
  value?: string | number;
  options?: CommandOption[];
}
export interface DispatchOptions {
  name: string;
  options?: CommandOption[];
  attachments?: object[];
  userId?: string;
  /** The invoking user's username; default `tester`. */
  username?: string;
  /** Default: the fake's guild; null for a direct message. */
  guildId?: string | null;
  /** `attachment_size_limit` of the interaction; default 10 MiB. */
  attachmentSizeLimit?: number;
  /**
   * `member.permissions` in guilds: the bitfield Discord computed for the member in this channel.
   * The default grants ordinary member rights, without Manage Server (0x20) or Administrator (0x8).
   */
  memberPermissions?: string;
  /** Users the options refer to (make them with `discordUser`): `data.resolved.users`, and `members` in guilds. */
  resolvedUsers?: Json[];
}

/** The permissions the fake gives a member unless told otherwise: no Manage Server, no Administrator. */
export const MEMBER_PERMISSIONS = '2248473465835073';
/** Manage Server (0x20), what `/quota-admin` needs. */
export const MANAGE_GUILD_PERMISSIONS = String(BigInt(MEMBER_PERMISSIONS) | 0x20n);

/** A Discord user object as it appears in `resolved.users`. */
export function discordUser(id: string, username: string, options: { bot?: boolean } = {}): Json {
  return { id, username, discriminator: '0', global_name: username, avatar: null, ...(options.bot ? { bot: true } : {}) };
}

/** A user option inside a subcommand, e.g. `userOption(target.id)`. */
export function userOption(userId: string, name = 'user'): CommandOption {
  return { name, type: 6, value: userId };
}

/** A subcommand (type 1) with its options, e.g. `subcommand('grant', userOption(id), { name: 'amount', type: 4, value: 5 })`. */
export function subcommand(name: string, ...options: CommandOption[]): CommandOption {
  return { name, type: 1, options };
}
export interface FakeDiscord {
  /** http://127.0.0.1:PORT/api, what DISCORD_API_BASE would be. */
  readonly apiBase: string;
  readonly token: string;
  readonly applicationId: string;
  readonly guildId: string;
  readonly calls: DiscordCall[];
  /** The IDENTIFY payloads received, token included. */
  readonly identifies: Json[];
  /** Heartbeats (op 1) received and acknowledged. */
  readonly heartbeats: number;
  waitForIdentify(timeoutMs?: number): Promise<void>;
  /** Serves the bytes at /attachments/<id>/<filename> and returns the Discord attachment object. */
  addAttachment(bytes: Buffer, filename: string, contentType?: string, size?: { width: number; height: number }): Json;
  /** Sends an INTERACTION_CREATE for a chat input command. */
  dispatchCommand(options: DispatchOptions): { id: string; token: string; dispatchedAt: number };
  /** The first call (already received or yet to come) matching the predicate. */
  waitForCall(predicate: (call: DiscordCall) => boolean, timeoutMs?: number): Promise<DiscordCall>;
  close(): Promise<void>;
}

interface Interaction {
  id: string;
  token: string;
  channelId: string;
  guildId: string | null;
  user: Json;
  acked: boolean;
  original: Json | null;
}

const DISCORD_EPOCH = 1420070400000n;
let sequence = 0n;
/** Real-looking snowflakes, so discord.js derives sane timestamps from ids. */
function snowflake(): string {
  sequence = (sequence + 1n) & 0xfffn;
  return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | sequence);
}

/** `heartbeatIntervalMs` (HELLO's heartbeat_interval) defaults to Discord's usual 41250. */
export async function startFakeDiscord(options: { token?: string; heartbeatIntervalMs?: number } = {}): Promise<FakeDiscord> {
  const token = options.token ?? `${Buffer.from('100000000000000001').toString('base64')}.fake.${randomBytes(12).toString('hex')}`;
  const applicationId = '100000000000000001';
  const guildId = '300000000000000001';
  const channelId = '400000000000000001';
  const botUser = { id: applicationId, username: 'Nano Banana', discriminator: '0000', global_name: null, avatar: null, bot: true, flags: 0 };
  const calls: DiscordCall[] = [];
  const identifies: Json[] = [];
  const interactions = new Map<string, Interaction>();
  const cdn = new Map<string, { bytes: Buffer; contentType: string }>();
  const commands = new Map<string, Json[]>();
  const waiters = new Set<() => void>();
  const notify = () => [...waiters].forEach((waiter) => waiter());
  const sessions = new Set<{ socket: WebSocket; seq: number; compress: boolean; sessionId: string }>();
  let base = '';
  let heartbeats = 0;

  const attachmentObject = (bytes: Buffer, filename: string, contentType: string, size?: { width: number; height: number }): Json => {
    const id = snowflake();
    cdn.set(`/attachments/${id}/${filename}`, { bytes, contentType });
    const url = `${base}/attachments/${id}/${encodeURIComponent(filename)}`;
    return { id, filename, size: bytes.length, url, proxy_url: url, content_type: contentType, ...size, ephemeral: true };
  };

  const message = (interaction: Interaction, fields: Json): Json => ({
    id: snowflake(), type: 20, channel_id: interaction.channelId, author: botUser, content: '', embeds: [], attachments: [],
    components: [], mentions: [], mention_roles: [], mention_everyone: false, pinned: false, tts: false,
    timestamp: new Date().toISOString(), edited_timestamp: null, flags: 0, webhook_id: applicationId, application_id: applicationId,
    ...(interaction.guildId ? { guild_id: interaction.guildId } : {}), ...fields,
  });

  /** Applies a message edit the way Discord does: `attachments` lists what to keep, files are added. */
  const edit = (current: Json, call: DiscordCall): Json => {
    const body = call.json ?? {};
    const keep: Json[] = body.attachments === undefined ? current.attachments : current.attachments.filter((a: Json) => body.attachments.some((k: Json) => String(k.id) === a.id));
    const added = call.files.map((file) => attachmentObject(file.bytes, file.filename, file.contentType ?? 'application/octet-stream'));
    const flags = (body.flags ?? current.flags) & ~128; // the "is thinking" loading flag ends with the first edit
    const content = body.content === undefined ? current.content : (body.content ?? '');
    return { ...current, content, attachments: [...keep, ...added], flags, edited_timestamp: new Date().toISOString() };
  };

  const route = (call: DiscordCall): [number, Json?] => {
    const p = call.path.replace(/^\/api\/v10/, '');
    const bot = call.headers.authorization === `Bot ${token}`;
    const unauthorized: [number, Json] = [401, { message: '401: Unauthorized', code: 0 }];
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/)) && call.method === 'POST') {
      const interaction = interactions.get(m[2]!);
      if (!interaction || interaction.id !== m[1]) return [404, { message: 'Unknown interaction', code: 10062 }];
      if (interaction.acked) return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }];
      const type = call.json?.type;
      const data = call.json?.data ?? {};
      if (type !== 4 && type !== 5) return [400, { message: 'Invalid Form Body', code: 50035 }];
      interaction.acked = true;
      interaction.original = edit(message(interaction, { flags: (data.flags ?? 0) | (type === 5 ? 128 : 0) }), { ...call, json: data });
      if (!/with_response=true/.test(call.query)) return [204];
      return [200, { interaction: { id: interaction.id, type: 2, response_message_id: interaction.original.id, response_message_loading: type === 5, response_message_ephemeral: Boolean(data.flags & 64) }, resource: { type, message: interaction.original } }];
    }
    if ((m = p.match(/^\/webhooks\/(\d+)\/([^/]+)(\/messages\/([^/]+))?$/))) {
      const interaction = interactions.get(m[2]!);
      if (m[1] !== applicationId || !interaction) return [401, { message: 'Invalid Webhook Token', code: 50027 }];
      if (!interaction.acked || !interaction.original) return [404, { message: 'Unknown Message', code: 10008 }];
      if (!m[3] && call.method === 'POST') return [200, edit(message(interaction, { flags: call.json?.flags ?? 0 }), call)];
      if (m[4] !== '@original') return [404, { message: 'Unknown Message', code: 10008 }];
      if (call.method === 'GET') return [200, interaction.original];
      if (call.method === 'PATCH') return [200, (interaction.original = edit(interaction.original, call))];
      if (call.method === 'DELETE') return [204];
    }
    if (!bot) return unauthorized;
    if (p === '/gateway/bot' && call.method === 'GET') {
      const gateway = base.replace(/^http/, 'ws');
      return [200, { url: gateway, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } }];
    }
    if (p === '/users/@me' && call.method === 'GET') return [200, botUser];
    if (p === '/applications/@me' && call.method === 'GET') return [200, { id: applicationId, name: botUser.username, flags: 0, bot_public: true, description: '' }];
    if ((m = p.match(/^\/applications\/(\d+)(\/guilds\/(\d+))?\/commands$/))) {
      if (m[1] !== applicationId) return [403, { message: 'Missing Access', code: 50001 }];
      if (m[3] && m[3] !== guildId) return [403, { message: 'Missing Access', code: 50001 }];
      const scope = m[3] ?? 'global';
      if (call.method === 'GET') return [200, commands.get(scope) ?? []];
      if (call.method === 'PUT' && Array.isArray(call.json)) {
        const registered = call.json.map((command: Json) => ({
          id: snowflake(), application_id: applicationId, version: snowflake(), type: 1, default_member_permissions: null, nsfw: false, ...command,
          ...(m![3] ? { guild_id: m![3] } : {}),
        }));
        commands.set(scope, registered);
        return [200, registered];
      }
    }
    return [404, { message: '404: Not Found', code: 0 }];
  };

  const readCall = async (req: IncomingMessage, url: URL, at: number): Promise<DiscordCall> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const call: DiscordCall = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.search, headers: req.headers, json: undefined, files: [], at };
    const type = String(req.headers['content-type'] ?? '');
    if (type.startsWith('multipart/form-data')) {
      const form = await new Request('http://x', { method: 'POST', headers: { 'content-type': type }, body }).formData();
      for (const [field, value] of form.entries()) {
        if (typeof value === 'string') {
          if (field === 'payload_json') call.json = JSON.parse(value);
        } else {
          call.files.push({ field, filename: value.name, bytes: Buffer.from(await value.arrayBuffer()), ...(value.type ? { contentType: value.type } : {}) });
        }
      }
    } else if (body.length > 0) {
      call.json = JSON.parse(body.toString('utf8'));
    }
    return call;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = cdn.get(decodeURIComponent(url.pathname));
    if (req.method === 'GET' && file) {
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length }).end(file.bytes);
      return;
    }
    readCall(req, url, at).then(
      (call) => {
        const [status, body] = url.pathname.startsWith('/api/v10/') ? route(call) : [404, { message: '404: Not Found', code: 0 }];
        calls.push(call);
        notify();
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      () => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: '400: Bad Request', code: 0 })),
    );
  });

  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    const params = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    if (params.get('encoding') !== 'json' || params.has('compress')) {
      socket.close(4002, 'the fake speaks JSON without transport compression');
      return;
    }
    const session = { socket, seq: 0, compress: false, sessionId: randomBytes(16).toString('hex') };
    const send = (payload: Json) => {
      const text = JSON.stringify(payload);
      socket.send(session.compress ? deflateSync(text) : text);
    };
    const dispatch = (t: string, d: Json) => send({ op: 0, t, s: ++session.seq, d });
    send({ op: 10, d: { heartbeat_interval: options.heartbeatIntervalMs ?? 41250 }, s: null, t: null });
    socket.on('message', (raw) => {
      const payload = JSON.parse(String(raw));
      if (payload.op === 1) {
        heartbeats++;
        return send({ op: 11, s: null, t: null, d: null });
      }
      if (payload.op === 2) {
        if (payload.d?.token !== token) return socket.close(4004, 'Authentication failed');
        if (sessions.has(session)) return socket.close(4005, 'Already authenticated');
        identifies.push(payload.d);
        session.compress = payload.d.compress === true;
        sessions.add(session);
        dispatch('READY', {
          v: 10, user: botUser, guilds: [{ id: guildId, unavailable: true }], session_id: session.sessionId,
          resume_gateway_url: base.replace(/^http/, 'ws'), shard: [0, 1], application: { id: applicationId, flags: 0 },
        });
        dispatch('GUILD_CREATE', guildCreate(guildId, channelId, botUser));
        notify();
        return;
      }
      if (payload.op === 6) return send({ op: 9, d: false, s: null, t: null });
      if (payload.op === 3 || payload.op === 8) return;
      socket.close(4001, 'Unknown opcode');
    });
    socket.on('close', () => sessions.delete(session));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const waitFor = <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const waiter = () => {
        const found = find();
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`fake discord: ${what} did not happen within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(waiter);
      waiter();
    });

  return {
    apiBase: `${base}/api`,
    token,
    applicationId,
    guildId,
    calls,
    identifies,
    get heartbeats() {
      return heartbeats;
    },
    waitForIdentify: (timeoutMs = 5000) => waitFor(() => (identifies.length > 0 ? true : undefined), timeoutMs, 'IDENTIFY').then(() => undefined),
    addAttachment: (bytes, filename, contentType = 'image/png', size) => attachmentObject(bytes, filename, contentType, size),
    dispatchCommand(options) {
      const session = [...sessions].at(-1);
      if (!session) throw new Error('fake discord: no identified gateway session to dispatch to');
      const inGuild = options.guildId === undefined ? guildId : options.guildId;
      const user = { id: options.userId ?? '200000000000000001', username: options.username ?? 'tester', discriminator: '0', global_name: 'Tester', avatar: null };
      const interaction: Interaction = { id: snowflake(), token: `aW50ZXJhY3Rpb24.${randomBytes(24).toString('base64url')}`, channelId, guildId: inGuild, user, acked: false, original: null };
      interactions.set(interaction.token, interaction);
      const registered = [...(commands.get(inGuild ?? 'global') ?? []), ...(commands.get('global') ?? [])].find((c) => c.name === options.name);
      const resolved = resolvedData(options, Boolean(inGuild));
      const payload: Json = {
        id: interaction.id, application_id: applicationId, type: 2, token: interaction.token, version: 1,
        data: { id: registered?.id ?? snowflake(), name: options.name, type: 1, options: options.options ?? [], ...(inGuild ? { guild_id: inGuild } : {}), ...(resolved ? { resolved } : {}) },
        channel_id: channelId, channel: inGuild ? { id: channelId, type: 0, guild_id: inGuild, name: 'general' } : { id: channelId, type: 1, recipients: [user] },
        app_permissions: '2248473465835073', locale: 'en-US', entitlements: [], context: inGuild ? 0 : 1,
        authorizing_integration_owners: inGuild ? { 0: inGuild } : { 1: user.id }, attachment_size_limit: options.attachmentSizeLimit ?? 10 * 1024 * 1024,
        ...(inGuild
          ? { guild_id: inGuild, guild: { id: inGuild, locale: 'en-US', features: [] }, guild_locale: 'en-US', member: { user, roles: [], permissions: options.memberPermissions ?? MEMBER_PERMISSIONS, joined_at: new Date().toISOString(), nick: null, avatar: null, flags: 0, deaf: false, mute: false, pending: false } }
          : { user }),
      };
      const dispatchedAt = Date.now();
      session.socket.send(JSON.stringify({ op: 0, t: 'INTERACTION_CREATE', s: ++session.seq, d: payload }));
      return { id: interaction.id, token: interaction.token, dispatchedAt };
    },
    waitForCall: (predicate, timeoutMs = 5000) => waitFor(() => calls.find(predicate), timeoutMs, 'the expected REST call'),
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `data.resolved` of an interaction: attachments, users and (in guilds) their partial members. */
function resolvedData(options: DispatchOptions, inGuild: boolean): Json | undefined {
  const resolved: Json = {};
  if (options.attachments) resolved.attachments = Object.fromEntries(options.attachments.map((a: Json) => [a.id, a]));
  if (options.resolvedUsers) {
    resolved.users = Object.fromEntries(options.resolvedUsers.map((u: Json) => [u.id, u]));
    if (inGuild) {
      // Partial members: no user, deaf or mute, as Discord sends them in resolved data.
      const member = { roles: [], joined_at: new Date().toISOString(), nick: null, avatar: null, flags: 0, pending: false, permissions: MEMBER_PERMISSIONS };
      resolved.members = Object.fromEntries(options.resolvedUsers.map((u: Json) => [u.id, member]));
    }
  }
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}

function guildCreate(guildId: string, channelId: string, botUser: Json): Json {
  const now = new Date().toISOString();
  return {
    id: guildId, name: 'Test Guild', icon: null, splash: null, discovery_splash: null, owner_id: '200000000000000009', afk_channel_id: null, afk_timeout: 300,
    verification_level: 0, default_message_notifications: 0, explicit_content_filter: 0, mfa_level: 0, nsfw_level: 0, premium_tier: 0, premium_subscription_count: 0,
    premium_progress_bar_enabled: false, system_channel_id: channelId, system_channel_flags: 0, rules_channel_id: null, public_updates_channel_id: null,
    safety_alerts_channel_id: null, preferred_locale: 'en-US', features: [], application_id: null, vanity_url_code: null, description: null, banner: null,
    max_members: 500000, max_video_channel_users: 25, joined_at: now, large: false, unavailable: false, member_count: 2, lazy: true,
    roles: [{ id: guildId, name: '@everyone', color: 0, hoist: false, icon: null, unicode_emoji: null, position: 0, permissions: '2248473465835073', managed: false, mentionable: false, flags: 0 }],
    channels: [{ id: channelId, type: 0, guild_id: guildId, name: 'general', position: 0, permission_overwrites: [], parent_id: null, nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0 }],
    members: [{ user: botUser, roles: [], joined_at: now, deaf: false, mute: false, flags: 0, nick: null, avatar: null, pending: false }],
    threads: [], presences: [], voice_states: [], emojis: [], stickers: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
  };
}
