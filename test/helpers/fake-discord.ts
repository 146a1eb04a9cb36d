import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway } from './fake-discord-gateway.ts';
import {
  flattenComponents, heldMessage, interactionEnvelope, modalSubmitComponents, originOf, MEMBER_PERMISSIONS,
  type CommonDispatch, type Dispatched,
} from './fake-discord-interactions.ts';
import { routeRest } from './fake-discord-rest.ts';
import { APPLICATION_ID, DEFAULT_USER_ID, discordUser, FakeDiscordState, GUILDS, snowflake, type DiscordCall, type Json, type Reply } from './fake-discord-state.ts';

/**
 * A loopback Discord for the real discord.js: REST under /api/v10, the gateway as a WebSocket on the
 * same port (its URL comes from GET /gateway/bot, as with Discord), and a CDN for attachments under
 * /attachments. The parts: fake-discord-state (what it holds), -rest and -webhooks (routes),
 * -gateway (sessions and shards), -interactions (INTERACTION_CREATE payloads).
 */

export { discordUser, MEMBER_PERMISSIONS, type CommonDispatch, type DiscordCall, type Dispatched, type Json };

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
export interface DispatchOptions extends CommonDispatch {
  name: string;
  options?: CommandOption[];
  attachments?: object[];
  /** Users the options refer to (make them with `discordUser`): `data.resolved.users`, and `members` in guilds. */
  resolvedUsers?: Json[];
}

/** Manage Server (0x20), what `/quota-admin` needs. */
export const MANAGE_GUILD_PERMISSIONS = String(BigInt(MEMBER_PERMISSIONS) | 0x20n);

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
  /** The guild text channel every interaction comes from by default. */
  readonly channelId: string;
  /** guildId plus a second guild that lands on another shard when shards=2. */
  readonly guildIds: readonly string[];
  readonly calls: DiscordCall[];
  /** The IDENTIFY payloads received, token included; `shard` as sent. */
  readonly identifies: Json[];
  /** Heartbeats (op 1) received and acknowledged. */
  readonly heartbeats: number;
  /** The number of PUTs to the commands routes (to test idempotent registration). */
  readonly commandPuts: number;
  waitForIdentify(timeoutMs?: number): Promise<void>;
  /** Serves the bytes at /attachments/<id>/<filename> and returns the Discord attachment object. */
  addAttachment(bytes: Buffer, filename: string, contentType?: string, size?: { width: number; height: number }): Json;
  /** Every message the bot made or that a test posted: original responses, follow-ups, channel messages, DMs. */
  messageById(id: string): Json | undefined;
  /** A message from a user in a channel (default: channelId), e.g. with image attachments or embeds, for the message menu. */
  postUserMessage(o: { content?: string; attachments?: Json[]; embeds?: Json[]; userId?: string; channelId?: string }): Json;
  /** Sends an INTERACTION_CREATE for a chat input command. */
  dispatchCommand(options: DispatchOptions): Dispatched;
  /** A button press (type 3, component_type 2) on a message the fake holds (pass the message object or its id). */
  dispatchComponent(o: CommonDispatch & { customId: string; message: Json | string }): Dispatched;
  /** A modal submit (type 5); `fields` maps text input custom_id → value; `message` when the modal came from a button on it. */
  dispatchModalSubmit(o: CommonDispatch & { customId: string; fields: Record<string, string>; message?: Json | string }): Dispatched;
  /** A message menu command (type 2, data.type 3) on `target` (data.target_id + data.resolved.messages). */
  dispatchMessageCommand(o: CommonDispatch & { name: string; target: Json }): Dispatched;
  /** The interaction callback body the bot sent for this interaction (type 4 reply, 5 defer, 6 deferred update, 7 update, 9 modal), or undefined. */
  callbackOf(interactionId: string): Json | undefined;
  /** From now on every webhook call with this interaction token answers 401 {code: 50027, message: 'Invalid Webhook Token'}. */
  expireInteraction(token: string): void;
  /** The message `@original` of this interaction token stands for, while it exists. */
  originalMessageOf(token: string): Json | undefined;
  /** The channel refuses the bot: POST /channels/<id>/messages answers 403 {code: 50013, message: 'Missing Permissions'}. */
  forbidChannel(channelId: string): void;
  /** The DM channel id opened for a user (POST /users/@me/channels), once the bot opened one. */
  dmChannelOf(userId: string): string | undefined;
  /** The next REST call matching `predicate` fails with this status and JSON body instead of running. */
  failNext(predicate: (call: DiscordCall) => boolean, status: number, body: Json): void;
  /** The first call (already received or yet to come) matching the predicate. */
  waitForCall(predicate: (call: DiscordCall) => boolean, timeoutMs?: number): Promise<DiscordCall>;
  close(): Promise<void>;
}

/**
 * `heartbeatIntervalMs` (HELLO's heartbeat_interval) defaults to Discord's usual 41250; `shards` is the
 * count GET /gateway/bot recommends (default 1).
 */
export async function startFakeDiscord(options: { token?: string; heartbeatIntervalMs?: number; shards?: number } = {}): Promise<FakeDiscord> {
  const token = options.token ?? `${Buffer.from(APPLICATION_ID).toString('base64')}.fake.${randomBytes(12).toString('hex')}`;
  const state = new FakeDiscordState(token);
  state.shards = options.shards ?? 1;
  const waiters = new Set<() => void>();
  const notify = () => [...waiters].forEach((waiter) => waiter());

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = state.cdn.get(decodeURIComponent(url.pathname));
    if (req.method === 'GET' && file) {
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length }).end(file.bytes);
      return;
    }
    readCall(req, url, at).then(
      (call) => {
        const [status, body] = url.pathname.startsWith('/api/v10/') ? scriptedFailure(call) ?? routeRest(state, call) : [404, { message: '404: Not Found', code: 0 }];
        state.calls.push(call);
        notify();
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      () => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: '400: Bad Request', code: 0 })),
    );
  });
  const scriptedFailure = (call: DiscordCall): Reply | undefined => {
    const index = state.failures.findIndex((failure) => failure.predicate(call));
    if (index < 0) return undefined;
    const [failure] = state.failures.splice(index, 1);
    return [failure!.status, failure!.body];
  };

  const gateway = startGateway(server, state, { heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41250, onIdentify: notify });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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

  /** Sends the payload to the shard owning its guild and reports when. */
  const send = (record: { id: string; token: string; guildId: string | null }, payload: Json): Dispatched => {
    const dispatchedAt = Date.now();
    gateway.dispatch(record.guildId, 'INTERACTION_CREATE', payload);
    return { id: record.id, token: record.token, dispatchedAt };
  };
  const defaultOrigin = { guildId: GUILDS[0].id };
  const registeredId = (name: string, type: number, guildId: string | null) =>
    [...(state.commands.get(guildId ?? 'global') ?? []), ...(state.commands.get('global') ?? [])].find((c) => c.name === name && (c.type ?? 1) === type)?.id ?? snowflake();

  return {
    apiBase: `${state.base}/api`,
    token,
    applicationId: APPLICATION_ID,
    guildId: GUILDS[0].id,
    channelId: GUILDS[0].channelId,
    guildIds: GUILDS.map((guild) => guild.id),
    calls: state.calls,
    identifies: state.identifies,
    get heartbeats() {
      return state.heartbeats;
    },
    get commandPuts() {
      return state.commandPuts;
    },
    waitForIdentify: (timeoutMs = 5000) => waitFor(() => (state.identifies.length > 0 ? true : undefined), timeoutMs, 'IDENTIFY').then(() => undefined),
    addAttachment: (bytes, filename, contentType = 'image/png', size) => state.attachment(bytes, filename, contentType, { ...(size ? { size } : {}), ephemeral: true }),
    messageById: (id) => state.messages.get(id),
    postUserMessage(o) {
      const userId = o.userId ?? DEFAULT_USER_ID;
      const author = state.users.get(userId) ?? discordUser(userId, 'tester');
      const channelId = o.channelId ?? GUILDS[0].channelId;
      if (!state.channels.has(channelId)) throw new Error(`fake discord: no channel ${channelId}`);
      const attachments = (o.attachments ?? []).map(({ ephemeral: _ephemeral, ...attachment }: Json) => attachment);
      const message = state.createMessage({ author, channel_id: channelId }, { content: o.content ?? '', embeds: o.embeds ?? [] }, []);
      message.attachments = attachments;
      return message;
    },
    dispatchCommand(o) {
      const { record, payload } = interactionEnvelope(state, o, 2, 20, defaultOrigin);
      const resolved = resolvedData(o, Boolean(record.guildId));
      payload.data = {
        id: registeredId(o.name, 1, record.guildId), name: o.name, type: 1, options: o.options ?? [],
        ...(record.guildId ? { guild_id: record.guildId } : {}), ...(resolved ? { resolved } : {}),
      };
      return send(record, payload);
    },
    dispatchComponent(o) {
      const message = heldMessage(state, o.message);
      const given = typeof o.message === 'string' ? [] : flattenComponents(o.message.components);
      const button = [...flattenComponents(message.components), ...given].find((c: Json) => c.custom_id === o.customId);
      if (!button) throw new Error(`fake discord: message ${String(message.id)} has no component ${o.customId}`);
      const { record, payload } = interactionEnvelope(state, o, 3, 0, originOf(message));
      payload.data = { custom_id: o.customId, component_type: button.type ?? 2, ...(button.id === undefined ? {} : { id: button.id }) };
      payload.message = message;
      return send(record, payload);
    },
    dispatchModalSubmit(o) {
      const message = o.message === undefined ? undefined : heldMessage(state, o.message);
      const modal = [...state.callbacks.values()].findLast((body: Json) => body?.type === 9 && body.data?.custom_id === o.customId)?.data;
      const { record, payload } = interactionEnvelope(state, o, 5, 0, message ? originOf(message) : defaultOrigin);
      payload.data = { custom_id: o.customId, components: modalSubmitComponents(modal, o.fields) };
      if (message) payload.message = message;
      return send(record, payload);
    },
    dispatchMessageCommand(o) {
      const target = heldMessage(state, o.target);
      const { record, payload } = interactionEnvelope(state, o, 2, 23, { guildId: target.guild_id ?? null, channelId: target.channel_id });
      payload.data = {
        id: registeredId(o.name, 3, record.guildId), name: o.name, type: 3, target_id: target.id,
        resolved: { messages: { [target.id]: target } }, ...(record.guildId ? { guild_id: record.guildId } : {}),
      };
      return send(record, payload);
    },
    callbackOf: (interactionId) => state.callbacks.get(interactionId),
    expireInteraction: (interactionToken) => void state.expiredTokens.add(interactionToken),
    originalMessageOf(interactionToken) {
      const originalId = state.interactions.get(interactionToken)?.originalId;
      return originalId ? state.messages.get(originalId) : undefined;
    },
    forbidChannel: (channelId) => void state.forbiddenChannels.add(channelId),
    dmChannelOf: (userId) => (state.dmsOpened.has(userId) ? state.dmChannels.get(userId) : undefined),
    failNext: (predicate, status, body) => void state.failures.push({ predicate, status, body }),
    waitForCall: (predicate, timeoutMs = 5000) => waitFor(() => state.calls.find(predicate), timeoutMs, 'the expected REST call'),
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readCall(req: IncomingMessage, url: URL, at: number): Promise<DiscordCall> {
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
}

/** `data.resolved` of a chat input interaction: attachments, users and (in guilds) their partial members. */
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
