import type { Storage } from '../store/storage.ts';
import { subjectKey, type QuotaSubject } from './subject.ts';
import { windowAt, type WindowKind } from './window.ts';

/**
 * One user's usage in one community, stored as a single record so that every change is one atomic
 * `transact`. Reservations hold images of jobs in flight, keyed by job id: committing or refunding
 * deletes the reservation, which is what makes both happen at most once.
 */
export interface QuotaRecord {
  windowId: string;
  used: number;
  reservations: Record<string, number>;
}

export interface QuotaView {
  readonly limit: number;
  readonly used: number;
  /** Images held by jobs in flight. */
  readonly reserved: number;
  readonly remaining: number;
  readonly resetsAt: Date;
  readonly window: WindowKind;
}

export type ReserveResult =
  | { readonly ok: true; readonly quota: QuotaView }
  | { readonly ok: false; readonly quota: QuotaView };

export interface LedgerOptions {
  readonly limit: number;
  readonly window: WindowKind;
  readonly timeZone: string;
  readonly now?: () => Date;
}

const NAMESPACE = 'quota';

export class QuotaLedger {
  private readonly storage: Storage;
  private readonly options: LedgerOptions;

  constructor(storage: Storage, options: LedgerOptions) {
    this.storage = storage;
    this.options = options;
  }

  /** Holds `count` images for `reservationId` if they fit; repeating a reservation id changes nothing. */
  async reserve(subject: QuotaSubject, reservationId: string, count: number): Promise<ReserveResult> {
    const window = this.currentWindow();
    return this.storage.transact<QuotaRecord, ReserveResult>(NAMESPACE, subjectKey(subject), (stored) => {
      const record = rolled(stored, window.id);
      if (record.reservations[reservationId] !== undefined) {
        return { next: record, result: { ok: true, quota: this.view(record, window.end) } };
      }
      const limit = this.limitFor(subject);
      if (record.used + sumOf(record.reservations) + count > limit) {
        return { next: stored, result: { ok: false, quota: this.view(record, window.end) } };
      }
      const next = { ...record, reservations: { ...record.reservations, [reservationId]: count } };
      return { next, result: { ok: true, quota: this.view(next, window.end) } };
    });
  }

  /** Charges the images delivered (at most what was reserved) and releases the rest. Once per reservation. */
  async commit(subject: QuotaSubject, reservationId: string, delivered: number): Promise<QuotaView> {
    const window = this.currentWindow();
    return this.storage.transact<QuotaRecord, QuotaView>(NAMESPACE, subjectKey(subject), (stored) => {
      const record = rolled(stored, window.id);
      const held = record.reservations[reservationId];
      if (held === undefined) return { next: stored, result: this.view(record, window.end) };
      const { [reservationId]: _released, ...reservations } = record.reservations;
      const next = { ...record, used: record.used + Math.min(Math.max(delivered, 0), held), reservations };
      return { next, result: this.view(next, window.end) };
    });
  }

  /** Releases a reservation without charging. Once per reservation; later calls change nothing. */
  async refund(subject: QuotaSubject, reservationId: string): Promise<QuotaView> {
    return this.commit(subject, reservationId, 0);
  }

  async status(subject: QuotaSubject): Promise<QuotaView> {
    const window = this.currentWindow();
    const stored = await this.storage.read<QuotaRecord>(NAMESPACE, subjectKey(subject));
    return this.view(rolled(stored, window.id), window.end);
  }

  /** What `status` will say once `reservationId` is committed with `delivered` images. */
  predictAfterCommit(quota: QuotaView, reservationHeld: number, delivered: number): QuotaView {
    const charged = Math.min(delivered, reservationHeld);
    return {
      ...quota,
      used: quota.used + charged,
      reserved: quota.reserved - reservationHeld,
      remaining: quota.remaining + reservationHeld - charged,
    };
  }

  private limitFor(_subject: QuotaSubject): number {
    // Per-community defaults and per-user overrides come with the moderation ledger.
    return this.options.limit;
  }

  private currentWindow() {
    return windowAt(this.options.now?.() ?? new Date(), this.options.window, this.options.timeZone);
  }

  private view(record: QuotaRecord, resetsAt: Date): QuotaView {
    const reserved = sumOf(record.reservations);
    const limit = this.options.limit;
    return {
      limit,
      used: record.used,
      reserved,
      remaining: Math.max(0, limit - record.used - reserved),
      resetsAt,
      window: this.options.window,
    };
  }
}

/** A record as it stands in the current window: usage starts again, reservations in flight carry over. */
function rolled(stored: QuotaRecord | undefined, windowId: string): QuotaRecord {
  if (!stored) return { windowId, used: 0, reservations: {} };
  if (stored.windowId !== windowId) return { windowId, used: 0, reservations: stored.reservations };
  return stored;
}

function sumOf(reservations: Record<string, number>): number {
  let total = 0;
  for (const n of Object.values(reservations)) total += n;
  return total;
}
