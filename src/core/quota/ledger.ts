import type { Storage } from '../store/storage.ts';
import { currentRecord, heldOf, settle, type BlockEntry, type UsageRecord } from './record.ts';
import { readSurroundingRules, resolveLimit, type LimitSource, type SurroundingRules } from './settings.ts';
import { subjectKey, type QuotaSubject } from './subject.ts';
import { windowAt, type QuotaWindow, type WindowKind } from './window.ts';

export interface QuotaBlock {
  /** `community`: blocked in this community; `platform`: blocked everywhere on the platform by an owner. */
  readonly scope: 'community' | 'platform';
  readonly reason?: string | undefined;
}

export interface QuotaView {
  readonly limit: number;
  readonly limitSource: LimitSource;
  /** Images charged to the window's allowance. */
  readonly used: number;
  /** Images (allowance and bonus) held by jobs in flight. */
  readonly reserved: number;
  /** What is left of the window's allowance. */
  readonly remaining: number;
  /** Bonus credits left after the allowance (not counting those held by jobs in flight). */
  readonly bonus: number;
  readonly resetsAt: Date;
  readonly window: WindowKind;
  readonly timeZone: string;
  readonly blocked: QuotaBlock | null;
}

export type ReserveResult =
  | { readonly ok: true; readonly quota: QuotaView }
  /** `exhausted`: not enough left; `blocked`: a moderator blocked the user; `settled`: this job id was already charged or refunded. */
  | { readonly ok: false; readonly reason: 'exhausted' | 'blocked' | 'settled'; readonly quota: QuotaView };

export interface LedgerOptions {
  /** QUOTA_LIMIT: the limit when neither the user, the community nor an owner set one. */
  readonly limit: number;
  readonly window: WindowKind;
  readonly timeZone: string;
  readonly now?: (() => Date) | undefined;
}

export const USAGE_NAMESPACE = 'quota';

/**
 * The quota ledger: images per user per community per window, plus bonus credits. Reserve before the
 * provider is called, commit what was delivered, release the rest. Every step is one atomic
 * `transact` on the user's record and is idempotent by job id, so retries and resumed jobs never
 * move credits twice; concurrent reservations never overspend (in one process, and across processes
 * sharing the store).
 */
export class QuotaLedger {
  private readonly storage: Storage;
  private readonly options: LedgerOptions;

  constructor(storage: Storage, options: LedgerOptions) {
    this.storage = storage;
    this.options = options;
  }

  get timeZone(): string {
    return this.options.timeZone;
  }

  /** Holds `count` images for job `id` if the user may have them: the window's allowance first, then bonus credits. */
  async reserve(subject: QuotaSubject, id: string, count: number): Promise<ReserveResult> {
    const window = this.currentWindow();
    const rules = await readSurroundingRules(this.storage, subject, subject.userId);
    return this.storage.transact<UsageRecord, ReserveResult>(USAGE_NAMESPACE, subjectKey(subject), (stored) => {
      const record = currentRecord(stored, window.id);
      const unchanged = (reason: 'exhausted' | 'blocked' | 'settled'): { next: UsageRecord | undefined; result: ReserveResult } => ({
        next: stored,
        result: { ok: false, reason, quota: this.view(record, rules, window) },
      });
      if (record.reservations[id]) return { next: record, result: { ok: true, quota: this.view(record, rules, window) } };
      if (record.settled?.includes(id)) return unchanged('settled');
      if (blockOf(record, rules)) return unchanged('blocked');
      const { limit } = resolveLimit(record.limit, rules, this.options.limit);
      const held = heldOf(record);
      const allowance = Math.max(0, limit - record.used - held.window);
      const bonus = Math.max(0, (record.bonus ?? 0) - held.bonus);
      if (count > allowance + bonus) return unchanged('exhausted');
      const fromAllowance = Math.min(count, allowance);
      const hold = { n: fromAllowance, b: count - fromAllowance, w: window.id };
      const next = { ...record, reservations: { ...record.reservations, [id]: hold } };
      return { next, result: { ok: true, quota: this.view(next, rules, window) } };
    });
  }

  /** Charges the images delivered (at most what job `id` holds) and releases the rest. Once per job. */
  async commit(subject: QuotaSubject, id: string, delivered: number): Promise<QuotaView> {
    const window = this.currentWindow();
    const rules = await readSurroundingRules(this.storage, subject, subject.userId);
    return this.storage.transact<UsageRecord, QuotaView>(USAGE_NAMESPACE, subjectKey(subject), (stored) => {
      const record = currentRecord(stored, window.id);
      if (!record.reservations[id]) return { next: stored, result: this.view(record, rules, window) };
      const next = settle(record, id, delivered);
      return { next, result: this.view(next, rules, window) };
    });
  }

  /** Releases what job `id` holds without charging. Once per job; later calls change nothing. */
  async refund(subject: QuotaSubject, id: string): Promise<QuotaView> {
    return this.commit(subject, id, 0);
  }

  async status(subject: QuotaSubject): Promise<QuotaView> {
    const window = this.currentWindow();
    const [stored, rules] = await Promise.all([
      this.storage.read<UsageRecord>(USAGE_NAMESPACE, subjectKey(subject)),
      readSurroundingRules(this.storage, subject, subject.userId),
    ]);
    return this.view(currentRecord(stored, window.id), rules, window);
  }

  /** What `status` will say once job `id` is committed with `delivered` images; changes nothing. */
  async previewCommit(subject: QuotaSubject, id: string, delivered: number): Promise<QuotaView> {
    const window = this.currentWindow();
    const [stored, rules] = await Promise.all([
      this.storage.read<UsageRecord>(USAGE_NAMESPACE, subjectKey(subject)),
      readSurroundingRules(this.storage, subject, subject.userId),
    ]);
    return this.view(settle(currentRecord(stored, window.id), id, delivered), rules, window);
  }

  currentWindow(): QuotaWindow {
    return windowAt(this.options.now?.() ?? new Date(), this.options.window, this.options.timeZone);
  }

  /** The user's quota as `record` and the surrounding rules say. */
  view(record: UsageRecord, rules: SurroundingRules, window: QuotaWindow): QuotaView {
    const { limit, source } = resolveLimit(record.limit, rules, this.options.limit);
    const held = heldOf(record);
    return {
      limit,
      limitSource: source,
      used: record.used,
      reserved: held.window + held.bonus + heldFromEarlierWindows(record),
      remaining: Math.max(0, limit - record.used - held.window),
      bonus: Math.max(0, (record.bonus ?? 0) - held.bonus),
      resetsAt: window.end,
      window: this.options.window,
      timeZone: this.options.timeZone,
      blocked: blockOf(record, rules),
    };
  }
}

/** A platform-wide block (owners) wins over a block in the community. */
function blockOf(record: UsageRecord, rules: SurroundingRules): QuotaBlock | null {
  const describe = (entry: BlockEntry, scope: QuotaBlock['scope']): QuotaBlock =>
    entry.reason === undefined ? { scope } : { scope, reason: entry.reason };
  if (rules.globalBlock) return describe(rules.globalBlock, 'platform');
  if (record.blocked) return describe(record.blocked, 'community');
  return null;
}

/** Allowance still held by jobs reserved in an earlier window (shown as in flight, not charged to this one). */
function heldFromEarlierWindows(record: UsageRecord): number {
  let total = 0;
  for (const hold of Object.values(record.reservations)) if (hold.w !== record.windowId) total += hold.n;
  return total;
}
