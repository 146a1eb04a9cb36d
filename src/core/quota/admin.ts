import type { Storage } from '../store/storage.ts';
import { AuditLog, type AuditAction, type AuditEntry, type AuditPerson, type AuditValue } from './audit.ts';
import { USAGE_NAMESPACE, type QuotaLedger, type QuotaView } from './ledger.ts';
import { currentRecord, withBonus, type BlockEntry, type UsageRecord } from './record.ts';
import { GLOBAL_BLOCKS_NAMESPACE, globalBlockKey, SETTINGS_NAMESPACE, settingsKey, type QuotaScope, type ScopeSettings } from './settings.ts';
import { subjectKey, type QuotaSubject } from './subject.ts';

/** What a moderator action changed, for the answer and the audit log. */
export interface Change {
  readonly before: AuditValue;
  readonly after: AuditValue;
}

/**
 * Moderator actions on the ledger. Every action works inside one scope, the one the command was
 * given in, so a moderator of one community can never reach another's ledger; a scope with no
 * community is the platform itself (owners only: the platform default and platform-wide blocks).
 * Each change is one atomic update, then an audit entry.
 */
export class QuotaAdmin {
  private readonly storage: Storage;
  private readonly ledger: QuotaLedger;
  private readonly audit: AuditLog;
  private readonly now: () => number;

  constructor(storage: Storage, ledger: QuotaLedger, now: () => number = Date.now) {
    this.storage = storage;
    this.ledger = ledger;
    this.audit = new AuditLog(storage);
    this.now = now;
  }

  show(scope: QuotaScope, target: AuditPerson): Promise<QuotaView> {
    return this.ledger.status(subjectIn(scope, target));
  }

  /** The user's own limit; null returns them to the defaults. */
  async setLimit(scope: QuotaScope, actor: AuditPerson, target: AuditPerson, limit: number | null): Promise<Change> {
    const change = await this.updateUser(scope, target, (record) => {
      const { limit: before, ...rest } = record;
      return { next: limit === null ? rest : { ...rest, limit }, change: { before: before ?? null, after: limit } };
    });
    return this.recorded(scope, actor, target, 'set', change);
  }

  /** Adds bonus credits; they are spent after the window's allowance and kept until then. */
  async grant(scope: QuotaScope, actor: AuditPerson, target: AuditPerson, amount: number): Promise<Change> {
    const change = await this.updateUser(scope, target, (record) => {
      const before = record.bonus ?? 0;
      return { next: withBonus(record, before + amount), change: { before, after: before + amount } };
    });
    return this.recorded(scope, actor, target, 'grant', change);
  }

  /** Forgets the usage of the current window; jobs in flight keep their holds. */
  async reset(scope: QuotaScope, actor: AuditPerson, target: AuditPerson): Promise<Change> {
    const change = await this.updateUser(scope, target, (record) => ({ next: { ...record, used: 0 }, change: { before: record.used, after: 0 } }));
    return this.recorded(scope, actor, target, 'reset', change);
  }

  /** In a community: blocked there. In the platform scope (owners): blocked everywhere on the platform. */
  async block(scope: QuotaScope, actor: AuditPerson, target: AuditPerson, reason: string | undefined): Promise<Change> {
    const entry: BlockEntry = { ...(reason ? { reason } : {}), by: actor.name ?? actor.userId, at: this.now() };
    const change = await this.setBlock(scope, target, entry);
    return this.recorded(scope, actor, target, 'block', change, reason);
  }

  async unblock(scope: QuotaScope, actor: AuditPerson, target: AuditPerson): Promise<Change> {
    const change = await this.setBlock(scope, target, undefined);
    return this.recorded(scope, actor, target, 'unblock', change);
  }

  /** The community's default limit (platform scope: the platform default); null removes it. */
  async setDefault(scope: QuotaScope, actor: AuditPerson, limit: number | null): Promise<Change> {
    const change = await this.storage.transact<ScopeSettings, Change>(SETTINGS_NAMESPACE, settingsKey(scope), (stored) => {
      const { defaultLimit: before, ...rest } = stored ?? {};
      return { next: limit === null ? rest : { ...rest, defaultLimit: limit }, result: { before: before ?? null, after: limit } };
    });
    return this.recorded(scope, actor, undefined, 'default', change);
  }

  /** The scope's default limit as moderators set it (null: none, the next level up applies). */
  async defaultLimit(scope: QuotaScope): Promise<number | null> {
    return (await this.storage.read<ScopeSettings>(SETTINGS_NAMESPACE, settingsKey(scope)))?.defaultLimit ?? null;
  }

  log(scope: QuotaScope, page: number, pageSize: number, targetUserId?: string) {
    return this.audit.page(scope, page, pageSize, targetUserId);
  }

  private async setBlock(scope: QuotaScope, target: AuditPerson, entry: BlockEntry | undefined): Promise<Change> {
    const after = entry !== undefined;
    if (scope.communityId === null) {
      return this.storage.transact<BlockEntry, Change>(GLOBAL_BLOCKS_NAMESPACE, globalBlockKey(scope.platform, target.userId), (stored) => ({
        next: entry,
        result: { before: stored !== undefined, after },
      }));
    }
    return this.updateUser(scope, target, (record) => {
      const { blocked, ...rest } = record;
      return { next: entry ? { ...rest, blocked: entry } : rest, change: { before: blocked !== undefined, after } };
    });
  }

  private updateUser(
    scope: QuotaScope,
    target: AuditPerson,
    update: (record: UsageRecord) => { next: UsageRecord; change: Change },
  ): Promise<Change> {
    const windowId = this.ledger.currentWindow().id;
    return this.storage.transact<UsageRecord, Change>(USAGE_NAMESPACE, subjectKey(subjectIn(scope, target)), (stored) => {
      const { next, change } = update(currentRecord(stored, windowId));
      return { next, result: change };
    });
  }

  private async recorded(
    scope: QuotaScope,
    actor: AuditPerson,
    target: AuditPerson | undefined,
    action: AuditAction,
    change: Change,
    reason?: string,
  ): Promise<Change> {
    const entry: AuditEntry = {
      at: this.now(),
      platform: scope.platform,
      communityId: scope.communityId,
      actor,
      ...(target ? { target } : {}),
      action,
      before: change.before,
      after: change.after,
      ...(reason ? { reason } : {}),
    };
    await this.audit.record(entry);
    return change;
  }
}

function subjectIn(scope: QuotaScope, target: AuditPerson): QuotaSubject {
  return { platform: scope.platform, communityId: scope.communityId, userId: target.userId };
}
