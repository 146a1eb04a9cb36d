import { BotError } from '../errors.ts';
import { guardRedis, type RedisClient } from './redis-client.ts';
import type { Transition } from './storage.ts';

/** Attempts before a transaction gives up; only other processes writing the same record make it retry. */
const MAX_ATTEMPTS = 100;

/**
 * Writes (or deletes) the key only if it still holds exactly what was read: ARGV[1] says whether a
 * value was read ('1') or the key was missing ('0'), ARGV[2] is that value; ARGV[3] says whether to
 * write ARGV[4] ('1') or delete ('0'). Lua scripts run atomically in Redis, so nothing can slip in
 * between the comparison and the write. Returns 1 when written, 0 when someone got there first.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], ARGV[4])
else
  redis.call('DEL', KEYS[1])
end
return 1
`;

/**
 * One atomic read-update-write of a JSON record, across every process using this Redis.
 *
 * Keyv has no atomic operations (get then set lets two processes both spend the last credit), so
 * this works on the Redis client directly, as optimistic compare-and-set: GET the raw value, run the
 * pure `update`, then write only if the value is still what was read (a Lua script), otherwise read
 * again and retry after a short random pause. Callers serialise transactions on one key inside a
 * process first, so retries only happen when another process wrote the same record in between.
 */
export async function compareAndSet<T, R>(
  client: () => RedisClient,
  key: string,
  update: (current: T | undefined) => Transition<T, R>,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const raw = await guardRedis(() => client().get(key));
    const { next, result } = update(raw === null ? undefined : parseRecord<T>(raw, key));
    const nextRaw = next === undefined ? null : JSON.stringify(next);
    // Nothing to write: the outcome rests on a value that really was stored when it was read.
    if (nextRaw === raw) return result;
    const written = await guardRedis(() =>
      client().eval(COMPARE_AND_SET, {
        keys: [key],
        arguments: [raw === null ? '0' : '1', raw ?? '', nextRaw === null ? '0' : '1', nextRaw ?? ''],
      }),
    );
    if (written === 1) return result;
    if (attempt >= MAX_ATTEMPTS) {
      throw new BotError('STORE_UNAVAILABLE', `too much contention on a Redis record: gave up after ${MAX_ATTEMPTS} attempts`);
    }
    await pause(1 + Math.random() * Math.min(2 * attempt, 50));
  }
}

/** A stored record that is not JSON is corrupt: fail closed rather than treat it as missing. */
export function parseRecord<T>(raw: string, key: string): T {
  try {
    return JSON.parse(raw) as T;
  } catch (error) {
    throw new BotError('STORE_UNAVAILABLE', `the Redis record ${key} is not valid JSON`, { cause: error });
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
