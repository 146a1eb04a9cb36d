import { afterEach, describe, expect, it } from 'vitest';
import { openRedisStorage } from '../../src/core/store/redis.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import { deleteKeys, keysUnder, randomPrefix, REDIS_URL, setRawKey } from '../helpers/redis.ts';

/** What only the Redis store promises beyond the shared contract: where its keys live, and clients sharing them. */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openRedis(prefix = randomPrefix('contract')): Promise<Storage> {
  cleanups.push(() => deleteKeys(prefix));
  const storage = await openRedisStorage(REDIS_URL, { prefix });
  cleanups.push(() => storage.close());
  return storage;
}

describe('the redis store keeps to its keys', () => {
  it('puts every key under its prefix, and clearing a namespace spares look-alike namespaces', async () => {
    const prefix = randomPrefix('keys');
    const storage = await openRedis(prefix);
    const jobs = storage.keyv<number>('jobs');
    const lookAlikes = [storage.keyv<number>('jobs:*'), storage.keyv<number>('jobs::x'), storage.keyv<number>('jobs*')];
    await jobs.set('k', 1);
    for (const keyv of lookAlikes) await keyv.set('k', 2);
    await storage.transact<number, void>('quota', 'discord:g:u', () => ({ next: 1, result: undefined }));
    await storage.append('audit:g', { n: 1 });
    await storage.setAdd('jobs-open', 'job-1');
    await storage.setAdd('jobs:*', 'job-2');

    const keys = await keysUnder(prefix);
    expect(keys).toHaveLength(8);
    expect(keys).toContain(`${prefix}keyv:jobs::k`);
    expect(keys).toContain(`${prefix}record:quota:discord:g:u`);
    expect(keys).toContain(`${prefix}log:audit%3Ag`);
    expect(keys).toContain(`${prefix}set:jobs-open`);
    expect(keys).toContain(`${prefix}set:jobs%3A%2A`);

    await jobs.clear();
    expect(await jobs.get('k')).toBeUndefined();
    for (const keyv of lookAlikes) expect(await keyv.get('k')).toBe(2);
  });

  it('never sees another prefix’s records, logs, sets or Keyv values', async () => {
    const one = await openRedis();
    const two = await openRedis();
    await one.keyv<number>('jobs').set('k', 1);
    await one.transact<number, void>('quota', 'k', () => ({ next: 1, result: undefined }));
    await one.append('audit:g', { n: 1 });
    await one.setAdd('jobs-open', 'job-1');
    expect(await two.keyv<number>('jobs').get('k')).toBeUndefined();
    expect(await two.read('quota', 'k')).toBeUndefined();
    expect(await two.readNewest('audit:g', 0, 10)).toEqual({ entries: [], total: 0 });
    expect(await two.setMembers('jobs-open')).toEqual([]);
  });

  it('fails closed on a record that is not JSON instead of treating it as missing', async () => {
    const prefix = randomPrefix('corrupt');
    const storage = await openRedis(prefix);
    await storage.transact<string, void>('quota', 'k', () => ({ next: 'fine', result: undefined }));
    await setRawKey(`${prefix}record:quota:k`, '{not json');
    await expect(storage.read('quota', 'k')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(storage.transact('quota', 'k', () => ({ next: 'x', result: undefined }))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('keeps one set for two clients adding and removing at the same time', async () => {
    const prefix = randomPrefix('sets');
    const one = await openRedis(prefix);
    const two = await openRedis(prefix);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, n) => `job-${from + n}`);
    // The two clients' ranges overlap (50..99), so both add, and both remove, some of the same members.
    await Promise.all([...range(0, 100).map((id) => one.setAdd('jobs-open', id)), ...range(50, 150).map((id) => two.setAdd('jobs-open', id))]);
    const all = range(0, 150);
    const even = all.filter((_, n) => n % 2 === 0);
    const thirds = all.filter((_, n) => n % 3 === 0);
    await Promise.all([...even.map((id) => one.setRemove('jobs-open', id)), ...thirds.map((id) => two.setRemove('jobs-open', id))]);

    const expected = all.filter((_, n) => n % 2 !== 0 && n % 3 !== 0).sort();
    expect([...(await one.setMembers('jobs-open'))].sort()).toEqual(expected);
    expect([...(await two.setMembers('jobs-open'))].sort()).toEqual(expected);
  });
});
