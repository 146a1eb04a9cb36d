import { toBotError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Storage } from '../store/storage.ts';

/** Where leases live: one record per unfinished job id. */
export const LEASE_NAMESPACE = 'job-leases';

/** Who runs a job, and until when that holds unless renewed. */
export interface Lease {
  readonly owner: string;
  readonly until: number;
}

export interface LeaseKeeperOptions {
  readonly storage: Storage;
  /** This process's (runner's) random instance id. */
  readonly owner: string;
  readonly leaseMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** Another owner took a job this keeper held (this process stalled past its lease): stop running it. */
  readonly onLost: (id: string) => void;
}

/**
 * The right to run a job, one process at a time. A lease lapses unless renewed, so a job whose
 * process crashed is taken over by another after at most `leaseMs`; a process that stops cleanly
 * releases its leases, so the next one resumes at once. Renewal is one timer per keeper, running only
 * while it holds a lease, every `leaseMs / 3` (a lease survives two failed renewals).
 */
export class LeaseKeeper {
  private readonly options: LeaseKeeperOptions;
  private readonly held = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private renewing = false;

  constructor(options: LeaseKeeperOptions) {
    this.options = options;
  }

  /** Whether this keeper holds (or is acquiring) the lease of `id`. */
  holds(id: string): boolean {
    return this.held.has(id);
  }

  /** Whether another owner holds a live lease on `id` (a cheap look before reading the job). */
  async heldElsewhere(id: string): Promise<boolean> {
    const lease = await this.options.storage.read<Lease>(LEASE_NAMESPACE, id);
    return lease !== undefined && lease.owner !== this.options.owner && lease.until > this.options.now();
  }

  /**
   * Takes the lease of `id` when nobody else holds a live one. False when another owner holds it, or
   * when this keeper already holds it: a job is handed out once per process too.
   */
  async acquire(id: string): Promise<boolean> {
    if (this.held.has(id)) return false;
    // Marked before the first await, so two calls in this process cannot both take it.
    this.held.add(id);
    const { owner, leaseMs } = this.options;
    const now = this.options.now();
    let taken = false;
    try {
      taken = await this.options.storage.transact<Lease, boolean>(LEASE_NAMESPACE, id, (current) =>
        current && current.owner !== owner && current.until > now
          ? { next: current, result: false }
          : { next: { owner, until: now + leaseMs }, result: true },
      );
    } finally {
      if (!taken) this.held.delete(id);
      this.schedule();
    }
    return taken;
  }

  /** Gives the lease of `id` up (if still ours), so any process may take the job at once. Never throws. */
  async release(id: string): Promise<void> {
    this.held.delete(id);
    this.schedule();
    const { owner } = this.options;
    try {
      await this.options.storage.transact<Lease, void>(LEASE_NAMESPACE, id, (current) => ({
        next: current && current.owner !== owner ? current : undefined,
        result: undefined,
      }));
    } catch (error) {
      // It lapses by itself within leaseMs.
      this.options.logger.warn({ job: id, err: toBotError(error).message }, 'could not release a job lease');
    }
  }

  /** Extends every held lease; one that another owner took is dropped and reported. */
  async renewAll(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await Promise.all([...this.held].map((id) => this.renew(id)));
    } finally {
      this.renewing = false;
    }
  }

  /** Stops renewing (the leases lapse or were released). */
  stop(): void {
    this.held.clear();
    this.schedule();
  }

  private async renew(id: string): Promise<void> {
    const { owner, leaseMs } = this.options;
    const now = this.options.now();
    try {
      const kept = await this.options.storage.transact<Lease, boolean>(LEASE_NAMESPACE, id, (current) =>
        current && current.owner !== owner ? { next: current, result: false } : { next: { owner, until: now + leaseMs }, result: true },
      );
      // Released meanwhile (the job ended): the renewal must not bring its lease back.
      if (!this.held.has(id)) {
        if (kept) await this.release(id);
        return;
      }
      if (kept) return;
      this.held.delete(id);
      this.schedule();
      this.options.logger.warn({ job: id }, 'another process took over this job; stopping here');
      this.options.onLost(id);
    } catch (error) {
      // A store hiccup: the lease holds a while longer; the next round tries again.
      this.options.logger.warn({ job: id, err: toBotError(error).message }, 'could not renew a job lease');
    }
  }

  /** Runs the renewal timer exactly while some lease is held. */
  private schedule(): void {
    if (this.held.size > 0 && !this.timer) {
      this.timer = setInterval(() => void this.renewAll(), Math.max(1, Math.floor(this.options.leaseMs / 3)));
      // Leases never keep the process alive by themselves.
      this.timer.unref?.();
    } else if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
