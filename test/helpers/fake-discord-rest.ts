import { APPLICATION_ID, GUILDS, snowflake, type DiscordCall, type FakeDiscordState, type Json, type Reply } from './fake-discord-state.ts';
import { routeInteractionCalls } from './fake-discord-webhooks.ts';

/**
 * Every REST route of the fake, under /api/v10: interaction callbacks and webhooks (token in the
 * path), then the bot-token routes: gateway, application, commands, channels, messages, DMs.
 */
export function routeRest(state: FakeDiscordState, call: DiscordCall): Reply {
  const path = call.path.replace(/^\/api\/v10/, '');
  const viaInteraction = routeInteractionCalls(state, call, path);
  if (viaInteraction) return viaInteraction;
  if (call.headers.authorization !== `Bot ${state.token}`) return [401, { message: '401: Unauthorized', code: 0 }];
  return routeApplication(state, call, path) ?? routeChannels(state, call, path) ?? [404, { message: '404: Not Found', code: 0 }];
}

function routeApplication(state: FakeDiscordState, call: DiscordCall, path: string): Reply | undefined {
  if (path === '/gateway/bot' && call.method === 'GET') {
    return [200, { url: state.base.replace(/^http/, 'ws'), shards: state.shards, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 16 } }];
  }
  if (path === '/users/@me' && call.method === 'GET') return [200, state.botUser];
  if (path === '/applications/@me' && call.method === 'GET') {
    return [200, { id: APPLICATION_ID, name: state.botUser.username, flags: 0, bot_public: true, description: '' }];
  }
  const m = path.match(/^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/);
  if (!m) return undefined;
  if (call.method === 'PUT') state.commandPuts++;
  if (m[1] !== APPLICATION_ID) return [403, { message: 'Missing Access', code: 50001 }];
  if (m[2] && !GUILDS.some((guild) => guild.id === m[2])) return [403, { message: 'Missing Access', code: 50001 }];
  const scope = m[2] ?? 'global';
  if (call.method === 'GET') return [200, state.commands.get(scope) ?? []];
  if (call.method === 'PUT' && Array.isArray(call.json)) {
    const registered = call.json.map((command: Json) => ({
      id: snowflake(), application_id: APPLICATION_ID, version: snowflake(), type: 1, default_member_permissions: null, nsfw: false, ...command,
      ...(m[2] ? { guild_id: m[2] } : {}),
    }));
    state.commands.set(scope, registered);
    return [200, registered];
  }
  return [400, { message: 'Invalid Form Body', code: 50035 }];
}

const unknownChannel: Reply = [404, { message: 'Unknown Channel', code: 10003 }];
const unknownMessage: Reply = [404, { message: 'Unknown Message', code: 10008 }];

function routeChannels(state: FakeDiscordState, call: DiscordCall, path: string): Reply | undefined {
  if (path === '/users/@me/channels' && call.method === 'POST') {
    const recipient = call.json?.recipient_id;
    if (typeof recipient !== 'string') return [400, { message: 'Invalid Form Body', code: 50035 }];
    state.dmsOpened.add(recipient);
    return [200, state.dmChannel(recipient)];
  }
  const user = path.match(/^\/users\/(\d+)$/);
  if (user && call.method === 'GET') {
    const known = user[1] === state.botUser.id ? state.botUser : state.users.get(user[1]!);
    return known ? [200, known] : [404, { message: 'Unknown User', code: 10013 }];
  }
  const m = path.match(/^\/channels\/(\d+)(\/messages(?:\/(\d+))?)?$/);
  if (!m) return undefined;
  const channel = state.channels.get(m[1]!);
  if (!channel) return unknownChannel;
  if (!m[2]) return call.method === 'GET' ? [200, channel] : [405, { message: '405: Method Not Allowed', code: 0 }];
  if (!m[3]) {
    if (call.method !== 'POST') return [405, { message: '405: Method Not Allowed', code: 0 }];
    if (state.forbiddenChannels.has(channel.id)) return [403, { message: 'Missing Permissions', code: 50013 }];
    const type = call.json?.message_reference ? 19 : 0;
    const flags = (call.json?.flags ?? 0) & (4 | 4096 | 32768);
    return [200, state.createMessage({ type, channel_id: channel.id, flags }, call.json, call.files)];
  }
  const message = state.messages.get(m[3]);
  if (!message || message.channel_id !== channel.id) return unknownMessage;
  if (call.method === 'GET') return [200, message];
  if (call.method === 'PATCH') {
    if (message.author?.id !== state.botUser.id) return [403, { message: 'Cannot edit a message authored by another user', code: 50005 }];
    return [200, state.editMessage(message, call.json, call.files)];
  }
  if (call.method === 'DELETE') {
    state.messages.delete(message.id);
    return [204];
  }
  return [405, { message: '405: Method Not Allowed', code: 0 }];
}
