import KeyvRedis, { type RedisClientConnectionType } from '@keyv/redis';
import type { KeyvEntry } from 'keyv';
import { BotError } from '../errors.ts';
import { guardRedis, redisFailure, type RedisClient } from './redis-client.ts';

/**
 * KeyvRedis on the store's one shared client, adjusted to fail closed and to stay in its namespace:
 * - `getClient()` never connects: KeyvRedis would call connect() on a client we closed and quietly
 *   reopen the store. It hands out the shared client while it is connected and throws
 *   STORE_UNAVAILABLE otherwise. That also covers the MULTI-based methods, which node-redis would
 *   queue while reconnecting despite `disableOfflineQueue`.
 * - every error becomes STORE_UNAVAILABLE (with throwOnErrors KeyvRedis rethrows raw client errors;
 *   without it, it would answer "nothing stored").
 * - `clear()` deletes only this namespace's keys and throws on failure (KeyvRedis swallows errors
 *   there). The namespace holds no glob characters or ':' (see redis.ts), so its pattern matches no
 *   other namespace's keys.
 * - `disconnect()` does nothing: the storage owns the client, and `keyv.disconnect()` on one
 *   namespace must not close it for every other user.
 */
export class RedisKeyvAdapter<T = unknown> extends KeyvRedis<T> {
  private readonly connected: () => RedisClient;

  constructor(client: RedisClient, namespace: string, connected: () => RedisClient) {
    super(client, {
      namespace,
      keyPrefixSeparator: '::',
      useUnlink: true,
      noNamespaceAffectsAll: false,
      throwOnConnectError: true,
      throwOnErrors: true,
    });
    this.connected = connected;
  }

  override async getClient(): Promise<RedisClientConnectionType> {
    return this.connected();
  }

  override async get<U = T>(key: string): Promise<U | undefined> {
    return guardRedis(() => super.get<U>(key));
  }

  override async getMany<U = T>(keys: string[]): Promise<Array<U | undefined>> {
    return guardRedis(() => super.getMany<U>(keys));
  }

  override async set(key: string, value: string, ttl?: number): Promise<void> {
    return guardRedis(() => super.set(key, value, ttl));
  }

  override async setMany(entries: KeyvEntry[]): Promise<void> {
    return guardRedis(() => super.setMany(entries));
  }

  override async has(key: string): Promise<boolean> {
    return guardRedis(() => super.has(key));
  }

  override async hasMany(keys: string[]): Promise<boolean[]> {
    return guardRedis(() => super.hasMany(keys));
  }

  override async delete(key: string): Promise<boolean> {
    return guardRedis(() => super.delete(key));
  }

  override async deleteMany(keys: string[]): Promise<boolean> {
    return guardRedis(() => super.deleteMany(keys));
  }

  override async *iterator<U = T>(namespace?: string): AsyncGenerator<[string, U | undefined], void, unknown> {
    try {
      yield* super.iterator<U>(namespace);
    } catch (error) {
      throw redisFailure(error);
    }
  }

  override async clear(): Promise<void> {
    const namespace = this.namespace;
    if (!namespace) throw new BotError('INTERNAL', 'refusing to clear a Redis Keyv without a namespace');
    await guardRedis(async () => {
      const client = this.connected();
      for await (const keys of client.scanIterator({ MATCH: `${namespace}${this.keyPrefixSeparator}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    });
  }

  override async disconnect(): Promise<void> {}
}
