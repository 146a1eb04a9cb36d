/**
 * The stored state of one user in one community (or in direct messages): one record, so that every
 * change to it is a single atomic `transact`. Everything a reservation, a commit or a moderator action
 * needs to read and write together lives here.
 */
export interface UsageRecord {
  /** The window `used` counts in; a record from an earlier window starts again at 0 on its next change. */
  windowId: string;
  used: number;
  /** Images held by jobs in flight, by job id. */
  reservations: Record<string, Hold>;
  /** Job ids already committed or refunded (the newest few), so a repeated reserve never charges again. */
  settled?: string[];
  /** Bonus credits granted by moderators, kept until spent (holds not yet subtracted). */
  bonus?: number;
  /** The user's own limit, set by a moderator; absent means the community or global default. */
  limit?: number;
  /** A block in this community. */
  blocked?: BlockEntry;
}

/**
 * What one reservation holds: `n` images of the window's allowance (of window `w`) and `b` bonus
 * credits. Kept apart so a refund gives each back where it came from.
 */
export interface Hold {
  readonly n: number;
  readonly b: number;
  readonly w: string;
}

export interface BlockEntry {
  readonly reason?: string | undefined;
  /** Who blocked (the actor's name) and when, for `show`. */
  readonly by: string;
  readonly at: number;
}

/** How many settled job ids a record remembers; far more than one user has in flight or retries. */
const SETTLED_KEPT = 100;

/**
 * A record as it stands in window `windowId`: usage starts again in a new window; holds, bonus,
 * limit and block carry over. Older records (one number per reservation) are read as allowance holds.
 */
export function currentRecord(stored: UsageRecord | undefined, windowId: string): UsageRecord {
  if (!stored) return { windowId, used: 0, reservations: {} };
  const reservations: Record<string, Hold> = {};
  for (const [id, hold] of Object.entries(stored.reservations ?? {})) {
    reservations[id] = typeof hold === 'number' ? { n: hold, b: 0, w: stored.windowId } : hold;
  }
  const used = stored.windowId === windowId ? stored.used : 0;
  return { ...stored, windowId, used, reservations };
}

/** Images held against this window's allowance, and bonus credits held, by jobs in flight. */
export function heldOf(record: UsageRecord): { readonly window: number; readonly bonus: number } {
  let window = 0;
  let bonus = 0;
  for (const hold of Object.values(record.reservations)) {
    // A hold from an earlier window no longer takes from this window's allowance.
    if (hold.w === record.windowId) window += hold.n;
    bonus += hold.b;
  }
  return { window, bonus };
}

/** The record after settling reservation `id` with `delivered` images: allowance first, then bonus. */
export function settle(record: UsageRecord, id: string, delivered: number): UsageRecord {
  const hold = record.reservations[id];
  if (!hold) return record;
  const { [id]: _released, ...reservations } = record.reservations;
  const count = Math.max(0, Math.floor(delivered));
  const fromAllowance = Math.min(count, hold.n);
  const fromBonus = Math.min(count - fromAllowance, hold.b);
  // Images reserved in a window that has ended are not charged to the new one.
  const used = hold.w === record.windowId ? record.used + fromAllowance : record.used;
  const bonus = Math.max(0, (record.bonus ?? 0) - fromBonus);
  const settled = [...(record.settled ?? []), id].slice(-SETTLED_KEPT);
  return withBonus({ ...record, used, reservations, settled }, bonus);
}

/** Sets the bonus balance, leaving the field out when it is 0 (records stay small). */
export function withBonus(record: UsageRecord, bonus: number): UsageRecord {
  const { bonus: _old, ...rest } = record;
  return bonus > 0 ? { ...rest, bonus } : rest;
}
