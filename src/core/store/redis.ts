import { Keyv } from 'keyv';
import { BotError } from '../errors.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { checkPage } from './log-page.ts';
import { compareAndSet, parseRecord } from './redis-cas.ts';
import { closeRedis, connectRedis, guardRedis, type RedisClient } from './redis-client.ts';
import { RedisKeyvAdapter } from './redis-keyv.ts';
import type { LogPage, Storage, Transition } from './storage.ts';

export interface RedisStorageOptions {
  /** Put before every key, so several bots (or test runs) can share one Redis. Default `nano-banana:`. */
  readonly prefix?: string;
  /** How long the first connection may take. Default 5 seconds. */
  readonly connectTimeoutMs?: number;
}

export const DEFAULT_REDIS_PREFIX = 'nano-banana:';

/**
 * LPUSH puts the newest entry first, so a page newest-first is one LRANGE. The total and the page
 * are read in one script so they agree even while other processes append.
 */
const READ_NEWEST = `
return { redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], ARGV[1], ARGV[2]) }
`;

/**
 * Redis storage, for several bot processes sharing one store. One client serves everything.
 *
 * Keys, below the prefix (namespaces and streams are percent-encoded, so they hold no ':' or glob
 * characters and one can never match another's keys):
 *   keyv:<namespace>::<key>  Keyv records (KeyvRedis, string values)
 *   record:<namespace>:<key> `transact` records (JSON)
 *   log:<stream>             audit logs (lists, newest first)
 *   set:<set>                sets (Redis sets: SADD/SREM are atomic on their own)
 *
 * `transact` cannot be built on Keyv, which has no atomic operations: it queues transactions on one
 * key inside the process, then uses compare-and-set on the client directly across processes
 * (redis-cas.ts). Every failure is STORE_UNAVAILABLE; nothing is queued while Redis is unreachable.
 * There is no `sweepExpired`: Redis deletes keys whose TTL has passed by itself.
 */
export async function openRedisStorage(url: string, options: RedisStorageOptions = {}): Promise<Storage> {
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  // The prefix ends up in SCAN patterns, so glob characters would let one namespace match another.
  if (!/^[\w.:-]*$/.test(prefix)) {
    throw new BotError('INTERNAL', 'a Redis key prefix may hold only letters, digits and . _ : -');
  }
  const client = await connectRedis(url, {
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    clientName: prefix.replace(/:+$/, '') || 'nano-banana-bot',
  });
  let closed = false;
  const connected = (): RedisClient => {
    if (closed) throw new BotError('STORE_UNAVAILABLE', 'the Redis store is closed');
    if (!client.isReady) throw new BotError('STORE_UNAVAILABLE', 'Redis is unreachable; reconnecting');
    return client;
  };
  const adapters = new Map<string, RedisKeyvAdapter>();
  const lock = new KeyedMutex();
  const recordKey = (namespace: string, key: string) => `${prefix}record:${encodeKeyPart(namespace)}:${key}`;
  const logKey = (stream: string) => `${prefix}log:${encodeKeyPart(stream)}`;
  const setKey = (set: string) => `${prefix}set:${encodeKeyPart(set)}`;

  return {
    kind: 'redis',
    keyv<T>(namespace: string) {
      const storeNamespace = `${prefix}keyv:${encodeKeyPart(namespace)}`;
      // One adapter per namespace: each one subscribes to the shared client's events.
      let adapter = adapters.get(storeNamespace);
      if (!adapter) adapters.set(storeNamespace, (adapter = new RedisKeyvAdapter(client, storeNamespace, connected)));
      // useKeyPrefix off: the adapter already puts the namespace in every key (as createKeyv does).
      return new Keyv<T>({ store: adapter, namespace: storeNamespace, useKeyPrefix: false, throwOnErrors: true });
    },
    async transact<T, R>(namespace: string, key: string, update: (current: T | undefined) => Transition<T, R>) {
      const redisKey = recordKey(namespace, key);
      return lock.run(redisKey, () => compareAndSet(connected, redisKey, update));
    },
    async read<T>(namespace: string, key: string) {
      const redisKey = recordKey(namespace, key);
      const raw = await guardRedis(() => connected().get(redisKey));
      return raw === null ? undefined : parseRecord<T>(raw, redisKey);
    },
    async append<T>(stream: string, entry: T) {
      await guardRedis(() => connected().lPush(logKey(stream), JSON.stringify(entry)));
    },
    async readNewest<T>(stream: string, offset: number, limit: number): Promise<LogPage<T>> {
      checkPage(offset, limit);
      const key = logKey(stream);
      if (limit === 0) return { entries: [], total: await guardRedis(() => connected().lLen(key)) };
      const reply = await guardRedis(() =>
        connected().eval(READ_NEWEST, { keys: [key], arguments: [String(offset), String(offset + limit - 1)] }),
      );
      const [total, page] = reply as [number, string[]];
      return { entries: page.map((raw) => parseRecord<T>(raw, key)), total };
    },
    async setAdd(set: string, member: string) {
      await guardRedis(() => connected().sAdd(setKey(set), member));
    },
    async setRemove(set: string, member: string) {
      await guardRedis(() => connected().sRem(setKey(set), member));
    },
    async setMembers(set: string) {
      return guardRedis(() => connected().sMembers(setKey(set)));
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeRedis(client);
    },
  };
}

/** Percent-encodes everything but letters, digits and `_ . -`, so the result holds no ':' or glob characters. */
export function encodeKeyPart(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
