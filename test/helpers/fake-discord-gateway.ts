import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { deflateSync } from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';
import { APPLICATION_ID, GUILDS, type FakeDiscordState, type Json } from './fake-discord-state.ts';

/**
 * The gateway, as a WebSocket on the HTTP server's port. Only JSON encoding; zlib-stream is refused
 * (discord.js uses it only with zlib-sync), identify compression is honoured. Several sessions may be
 * open at once (one per shard, e.g. under discord.js's ShardingManager): each gets the guilds of its
 * shard, `(guild_id >> 22) % shard_count`, as Discord routes them.
 */

interface Session {
  socket: WebSocket;
  seq: number;
  compress: boolean;
  sessionId: string;
  /** [shard id, shard count] from IDENTIFY. */
  shard: [number, number];
}

export interface Gateway {
  /** Sends a dispatch to the newest session owning the guild (DMs: shard 0); throws when none is connected. */
  dispatch(guildId: string | null, t: string, d: Json): void;
  close(): Promise<void>;
}

export function startGateway(server: Server, state: FakeDiscordState, options: { heartbeatIntervalMs: number; onIdentify: () => void }): Gateway {
  const sessions: Session[] = [];
  const send = (session: Session, payload: Json) => {
    const text = JSON.stringify(payload);
    session.socket.send(session.compress ? deflateSync(text) : text);
  };
  const dispatchTo = (session: Session, t: string, d: Json) => send(session, { op: 0, t, s: ++session.seq, d });

  const identify = (session: Session, d: Json) => {
    if (d?.token !== state.token) return session.socket.close(4004, 'Authentication failed');
    if (sessions.includes(session)) return session.socket.close(4005, 'Already authenticated');
    const [id, count] = Array.isArray(d.shard) ? d.shard.map(Number) : [0, 1];
    if (!(Number.isInteger(id) && Number.isInteger(count) && id >= 0 && id < count)) return session.socket.close(4010, 'Invalid shard');
    session.shard = [id, count];
    session.compress = d.compress === true;
    state.identifies.push(d);
    sessions.push(session);
    const owned = GUILDS.filter((guild) => owns(session, guild.id));
    dispatchTo(session, 'READY', {
      v: 10, user: state.botUser, guilds: owned.map((guild) => ({ id: guild.id, unavailable: true })), session_id: session.sessionId,
      resume_gateway_url: state.base.replace(/^http/, 'ws'), shard: session.shard, application: { id: APPLICATION_ID, flags: 0 },
    });
    for (const guild of owned) dispatchTo(session, 'GUILD_CREATE', guildCreate(guild.id, state.channels.get(guild.channelId), state.botUser));
    options.onIdentify();
  };

  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    const params = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    if (params.get('encoding') !== 'json' || params.has('compress')) {
      socket.close(4002, 'the fake speaks JSON without transport compression');
      return;
    }
    const session: Session = { socket, seq: 0, compress: false, sessionId: randomBytes(16).toString('hex'), shard: [0, 1] };
    send(session, { op: 10, d: { heartbeat_interval: options.heartbeatIntervalMs }, s: null, t: null });
    socket.on('message', (raw) => {
      const payload = JSON.parse(String(raw));
      if (payload.op === 1) {
        state.heartbeats++;
        return send(session, { op: 11, s: null, t: null, d: null });
      }
      if (payload.op === 2) return identify(session, payload.d);
      if (payload.op === 6) return send(session, { op: 9, d: false, s: null, t: null });
      if (payload.op === 3 || payload.op === 8) return;
      socket.close(4001, 'Unknown opcode');
    });
    socket.on('close', () => {
      const index = sessions.indexOf(session);
      if (index >= 0) sessions.splice(index, 1);
    });
  });

  return {
    dispatch(guildId, t, d) {
      const session = sessions.findLast((candidate) => (guildId === null ? candidate.shard[0] === 0 : owns(candidate, guildId)));
      if (!session) throw new Error(`fake discord: no identified gateway session for ${guildId === null ? 'DMs' : `guild ${guildId}`}`);
      dispatchTo(session, t, d);
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function owns(session: Session, guildId: string): boolean {
  const [id, count] = session.shard;
  return (BigInt(guildId) >> 22n) % BigInt(count) === BigInt(id);
}

function guildCreate(guildId: string, channel: Json, botUser: Json): Json {
  const now = new Date().toISOString();
  return {
    id: guildId, name: 'Test Guild', icon: null, splash: null, discovery_splash: null, owner_id: '200000000000000009', afk_channel_id: null, afk_timeout: 300,
    verification_level: 0, default_message_notifications: 0, explicit_content_filter: 0, mfa_level: 0, nsfw_level: 0, premium_tier: 0, premium_subscription_count: 0,
    premium_progress_bar_enabled: false, system_channel_id: channel.id, system_channel_flags: 0, rules_channel_id: null, public_updates_channel_id: null,
    safety_alerts_channel_id: null, preferred_locale: 'en-US', features: [], application_id: null, vanity_url_code: null, description: null, banner: null,
    max_members: 500000, max_video_channel_users: 25, joined_at: now, large: false, unavailable: false, member_count: 2, lazy: true,
    roles: [{ id: guildId, name: '@everyone', color: 0, hoist: false, icon: null, unicode_emoji: null, position: 0, permissions: '2248473465835073', managed: false, mentionable: false, flags: 0 }],
    channels: [channel],
    members: [{ user: botUser, roles: [], joined_at: now, deaf: false, mute: false, flags: 0, nick: null, avatar: null, pending: false }],
    threads: [], presences: [], voice_states: [], emojis: [], stickers: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
  };
}
