import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';

/** The Redis that Redis-backed tests use; `.ci/run` makes sure one answers there. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test (or run) uses, so tests sharing one Redis never see each other's keys. */
export function randomPrefix(label: string): string {
  return `test-${label}-${randomBytes(6).toString('hex')}:`;
}

/** The client name the Redis store gives its connection for `prefix` (see openRedisStorage). */
export function clientNameFor(prefix: string): string {
  return prefix.replace(/:+$/, '');
}

function adminClient() {
  return createClient({ url: REDIS_URL });
}

async function withAdmin<T>(work: (admin: ReturnType<typeof adminClient>) => Promise<T>): Promise<T> {
  const admin = adminClient();
  admin.on('error', () => {});
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/** Deletes every key under `prefix` (SCAN, then DEL): each test's clean-up. */
export async function deleteKeys(prefix: string): Promise<void> {
  await withAdmin(async (admin) => {
    for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await admin.del(keys);
    }
  });
}

/** Every key under `prefix`, for asserting where a store wrote. */
export async function keysUnder(prefix: string): Promise<string[]> {
  return withAdmin(async (admin) => {
    const found: string[] = [];
    for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) found.push(...keys);
    return found.sort();
  });
}

/** Writes a raw string under `key`, bypassing the store (to plant a corrupt record). */
export async function setRawKey(key: string, value: string): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.set(key, value);
  });
}

/** Drops the connections named `name` from the server side (CLIENT KILL), as a Redis restart or network cut would. Returns how many. */
export async function killConnections(name: string): Promise<number> {
  return withAdmin(async (admin) => {
    const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
    const ids = list
      .split('\n')
      .filter((line) => line.split(' ').includes(`name=${name}`))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    for (const id of ids) await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
    return ids.length;
  });
}

/**
 * The parent's half of the start line in test/fixtures/redis-ledger-child.ts: waits until `count`
 * processes have said they are connected, then releases them all at once.
 */
export async function releaseTogether(prefix: string, count: number): Promise<void> {
  await withAdmin(async (admin) => {
    for (let waited = 0; Number((await admin.get(`${prefix}test:ready`)) ?? 0) < count; waited++) {
      if (waited > 1500) throw new Error(`only ${String(await admin.get(`${prefix}test:ready`))} of ${count} processes reached the start line`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await admin.rPush(`${prefix}test:go`, Array.from({ length: count }, () => 'go'));
  });
}
