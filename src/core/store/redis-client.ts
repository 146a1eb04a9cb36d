import { createClient } from '@keyv/redis';
import { BotError } from '../errors.ts';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisConnectOptions {
  readonly connectTimeoutMs: number;
  /** Shown by CLIENT LIST, so an operator can tell whose connection it is. */
  readonly clientName: string;
}

/**
 * Connects the store's one Redis client. It fails closed:
 * - the first connection is tried once (bounded by `connectTimeoutMs`), so a bot pointed at a Redis
 *   that is down fails at start with STORE_UNAVAILABLE instead of hanging;
 * - once connected, a lost connection is retried in the background forever (a Redis restart
 *   recovers on its own), while `disableOfflineQueue` makes every command issued meanwhile fail at
 *   once instead of waiting in a queue, and the commands in flight when the connection dropped are
 *   rejected too.
 * Errors never carry the URL: it may hold a password.
 */
export async function connectRedis(url: string, options: RedisConnectOptions): Promise<RedisClient> {
  const where = describeRedisUrl(url);
  let connectedOnce = false;
  let client: RedisClient;
  try {
    client = createClient({
      url,
      name: options.clientName,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectTimeoutMs,
        // Returning an Error stops retrying: before the first connection that makes connect() reject.
        reconnectStrategy: (retries, cause) => (connectedOnce ? reconnectDelayMs(retries) : cause),
      },
    });
  } catch {
    // No cause: URL parse errors carry the input, password included.
    throw new BotError('STORE_UNAVAILABLE', `STORE_URL is not a valid Redis URL (${where})`);
  }
  // node-redis throws an 'error' event nobody listens to, which would crash the process on the first
  // dropped connection. Each failure also reaches the caller of the command that hit it, as
  // STORE_UNAVAILABLE, and is logged there; here there is nothing left to do.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new BotError('STORE_UNAVAILABLE', `cannot connect to Redis at ${where}: ${scrub(errorText(error), url)}`, { cause: error });
  }
  connectedOnce = true;
  return client;
}

/** Closes the client, waiting for replies in flight when it is connected. Safe to call on a client already closed. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  try {
    if (client.isReady) await client.close();
    else client.destroy(); // reconnecting: nothing is in flight, and stop the reconnect loop now
  } catch {
    // already closed by a concurrent call
  }
}

/** Any failure of a Redis command, as the error the rest of the bot understands (fail closed). */
export function redisFailure(error: unknown): BotError {
  if (error instanceof BotError) return error;
  return new BotError('STORE_UNAVAILABLE', `Redis store failed: ${errorText(error)}`, { cause: error });
}

/** Runs a Redis operation, turning any failure into STORE_UNAVAILABLE. */
export async function guardRedis<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw redisFailure(error);
  }
}

/** `redis://host:port` without user name or password, for messages. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'an unparseable URL';
  }
}

/** Exponential backoff with jitter, at most about two seconds, so a restarted Redis is found again soon. */
function reconnectDelayMs(retries: number): number {
  return Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Belt and braces: drops the URL's password from a message should a driver ever echo it. */
function scrub(text: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  return password ? text.split(password).join('***') : text;
}
