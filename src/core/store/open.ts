import { isAbsolute, resolve } from 'node:path';
import type { Storage } from './storage.ts';

/**
 * Opens the store named by STORE_URL: `sqlite://./data/bot.sqlite` (relative to `cwd`),
 * `sqlite:///abs/path.sqlite`, `redis://…` / `rediss://…` (TLS), or `memory://`. Each backend's
 * module is loaded only when used, so a SQLite bot never loads the Redis client and vice versa.
 */
export async function openStorage(storeUrl: string, cwd: string = process.cwd()): Promise<Storage> {
  const location = parseStoreUrl(storeUrl, cwd);
  if (location.kind === 'memory') {
    const { createMemoryStorage } = await import('./memory.ts');
    return createMemoryStorage();
  }
  if (location.kind === 'sqlite') {
    const { openSqliteStorage } = await import('./sqlite.ts');
    return openSqliteStorage(location.path);
  }
  const { openRedisStorage } = await import('./redis.ts');
  return openRedisStorage(location.url);
}

export type StoreLocation = { kind: 'memory' } | { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string };

/** Pure: what a STORE_URL points at. Throws a plain Error with a fix-it message on a bad URL. */
export function parseStoreUrl(storeUrl: string, cwd: string): StoreLocation {
  if (storeUrl === 'memory://' || storeUrl === 'memory:') return { kind: 'memory' };
  if (storeUrl.startsWith('redis://') || storeUrl.startsWith('rediss://')) return { kind: 'redis', url: storeUrl };
  if (storeUrl.startsWith('sqlite://')) {
    const rest = storeUrl.slice('sqlite://'.length);
    if (rest.length === 0) throw new Error('sqlite:// needs a path, e.g. sqlite://./data/bot.sqlite');
    const path = isAbsolute(rest) ? rest : resolve(cwd, rest);
    return { kind: 'sqlite', path };
  }
  throw new Error('must start with sqlite://, redis:// or memory://');
}
