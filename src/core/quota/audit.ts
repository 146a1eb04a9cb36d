import type { LogPage, Storage } from '../store/storage.ts';
import type { QuotaScope } from './settings.ts';

/** The moderator actions that change something; reads (show, log) are not recorded. */
export type AuditAction = 'set' | 'grant' | 'reset' | 'block' | 'unblock' | 'default';

/** A value before or after an action: a limit, a count, a blocked flag, or null for "none set". */
export type AuditValue = number | boolean | null;

export interface AuditPerson {
  readonly userId: string;
  readonly name?: string | undefined;
}

/** One moderator action: who did what to whom, where, when, and the value before and after. */
export interface AuditEntry {
  readonly at: number;
  readonly platform: QuotaScope['platform'];
  /** The community, or null for a platform-wide action by an owner. */
  readonly communityId: string | null;
  readonly actor: AuditPerson;
  /** Absent for community-wide actions (`default`). */
  readonly target?: AuditPerson | undefined;
  readonly action: AuditAction;
  readonly before: AuditValue;
  readonly after: AuditValue;
  readonly reason?: string | undefined;
}

/**
 * The audit log of one community (or of a platform's owner actions), kept as append-only streams in
 * the store: one for the community and one per target user, so "the log about this user" is a plain
 * page read, never a scan.
 */
export class AuditLog {
  private readonly storage: Storage;

  constructor(storage: Storage) {
    this.storage = storage;
  }

  async record(entry: AuditEntry): Promise<void> {
    const scope = { platform: entry.platform, communityId: entry.communityId };
    await this.storage.append(streamOf(scope), entry);
    if (entry.target) await this.storage.append(streamOf(scope, entry.target.userId), entry);
  }

  /** Newest first; `page` counts from 1. */
  async page(scope: QuotaScope, page: number, pageSize: number, targetUserId?: string): Promise<LogPage<AuditEntry>> {
    return this.storage.readNewest<AuditEntry>(streamOf(scope, targetUserId), (page - 1) * pageSize, pageSize);
  }
}

function streamOf(scope: QuotaScope, targetUserId?: string): string {
  const base = `audit:${scope.platform}:${scope.communityId ?? 'platform'}`;
  return targetUserId === undefined ? base : `${base}:user:${targetUserId}`;
}
