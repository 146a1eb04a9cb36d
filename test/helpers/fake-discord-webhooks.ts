import { APPLICATION_ID, type DiscordCall, type FakeDiscordState, type InteractionRecord, type Json, type Reply } from './fake-discord-state.ts';

/**
 * The routes authenticated by an interaction token rather than the bot token: the interaction callback
 * and the interaction webhook (original response, follow-ups). Undefined when the path is not one.
 */
export function routeInteractionCalls(state: FakeDiscordState, call: DiscordCall, path: string): Reply | undefined {
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/)) && call.method === 'POST') {
    const interaction = state.interactions.get(m[2]!);
    if (!interaction || interaction.id !== m[1]) return [404, { message: 'Unknown interaction', code: 10062 }];
    return callback(state, interaction, call);
  }
  if ((m = path.match(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/))) {
    const interaction = state.interactions.get(m[2]!);
    if (m[1] !== APPLICATION_ID || !interaction || state.expiredTokens.has(m[2]!)) return [401, { message: 'Invalid Webhook Token', code: 50027 }];
    return m[3] === undefined ? followUp(state, interaction, call) : webhookMessage(state, interaction, m[3], call);
  }
  return undefined;
}

const invalidForm = (why: string): Reply => [400, { message: 'Invalid Form Body', code: 50035, errors: { type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: why }] } } }];
const unknownMessage: Reply = [404, { message: 'Unknown Message', code: 10008 }];

/** Types 4 reply, 5 defer, 6 deferred update, 7 update, 9 modal, checked against what the interaction allows. */
function callback(state: FakeDiscordState, interaction: InteractionRecord, call: DiscordCall): Reply {
  if (interaction.acked) return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }];
  const type = call.json?.type;
  const data = call.json?.data ?? {};
  let message: Json;
  if (type === 4 || type === 5) {
    message = state.createMessage(responseBase(interaction, (data.flags ?? 0) | (type === 5 ? 128 : 0)), type === 5 ? { flags: data.flags } : data, type === 5 ? [] : call.files);
    interaction.originalId = message.id;
  } else if (type === 6 || type === 7) {
    const source = interaction.sourceMessageId ? state.messages.get(interaction.sourceMessageId) : undefined;
    if (!source) return invalidForm('an update needs the message of a component');
    message = type === 7 ? state.editMessage(source, data, call.files) : source;
    interaction.originalId = source.id;
  } else if (type === 9) {
    if (interaction.type === 5) return invalidForm('a modal cannot open a modal');
    if (!data.custom_id || !Array.isArray(data.components)) return [400, { message: 'Invalid Form Body', code: 50035 }];
  } else {
    return invalidForm(`unsupported callback type ${String(type)}`);
  }
  interaction.acked = true;
  state.callbacks.set(interaction.id, call.json);
  if (!/with_response=true/.test(call.query)) return [204];
  return [200, {
    interaction: {
      id: interaction.id, type: interaction.type,
      ...(message ? { response_message_id: message.id, response_message_loading: type === 5, response_message_ephemeral: Boolean(message.flags & 64) } : {}),
    },
    resource: { type, ...(message ? { message } : {}) },
  }];
}

/** What every message sent through the interaction shares, as Discord fills it in. */
function responseBase(interaction: InteractionRecord, flags: number): Json {
  return {
    type: interaction.messageType, channel_id: interaction.channelId, ...(interaction.guildId ? { guild_id: interaction.guildId } : {}),
    flags, webhook_id: APPLICATION_ID, application_id: APPLICATION_ID,
    interaction_metadata: {
      id: interaction.id, type: interaction.type, user: interaction.user,
      authorizing_integration_owners: interaction.guildId ? { 0: interaction.guildId } : { 1: interaction.user.id },
      ...(interaction.sourceMessageId ? { interacted_message_id: interaction.sourceMessageId } : {}),
    },
  };
}

function followUp(state: FakeDiscordState, interaction: InteractionRecord, call: DiscordCall): Reply {
  if (call.method !== 'POST') return [405, { message: '405: Method Not Allowed', code: 0 }];
  if (!interaction.acked) return [404, { message: 'Unknown Webhook', code: 10015 }];
  const message = state.createMessage(responseBase(interaction, (call.json?.flags ?? 0) & (64 | 4 | 4096 | 32768)), call.json, call.files);
  interaction.followUpIds.add(message.id);
  return [200, message];
}

function webhookMessage(state: FakeDiscordState, interaction: InteractionRecord, which: string, call: DiscordCall): Reply {
  const id = which === '@original' ? interaction.originalId : interaction.followUpIds.has(which) ? which : null;
  const message = id ? state.messages.get(id) : undefined;
  if (!message) return unknownMessage;
  if (call.method === 'GET') return [200, message];
  if (call.method === 'PATCH') return [200, state.editMessage(message, call.json, call.files)];
  if (call.method === 'DELETE') {
    state.messages.delete(message.id);
    if (id === interaction.originalId) interaction.originalId = null;
    interaction.followUpIds.delete(message.id);
    return [204];
  }
  return [405, { message: '405: Method Not Allowed', code: 0 }];
}
