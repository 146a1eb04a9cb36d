import type { Storage } from '../store/storage.ts';
import type { BlockEntry } from './record.ts';
import type { Platform } from './subject.ts';

/**
 * Where a rule applies: one community (Discord guild, Telegram group), or, with `communityId` null,
 * the whole platform (direct messages and the default every community starts from).
 */
export interface QuotaScope {
  readonly platform: Platform;
  readonly communityId: string | null;
}

/** Defaults set by moderators (a community) or owners (a platform). */
export interface ScopeSettings {
  defaultLimit?: number;
}

export const SETTINGS_NAMESPACE = 'quota-settings';
export const GLOBAL_BLOCKS_NAMESPACE = 'quota-global-blocks';

export function settingsKey(scope: QuotaScope): string {
  return scope.communityId === null ? `platform:${scope.platform}` : `community:${scope.platform}:${scope.communityId}`;
}

export function globalBlockKey(platform: Platform, userId: string): string {
  return `${platform}:${userId}`;
}

/** Where a user's limit came from, so moderators can see what they are overriding. */
export type LimitSource = 'user' | 'community' | 'platform' | 'config';

export interface ResolvedLimit {
  readonly limit: number;
  readonly source: LimitSource;
}

/** The rules around one user that live outside their own record: defaults and a platform-wide block. */
export interface SurroundingRules {
  readonly community: ScopeSettings | undefined;
  readonly platform: ScopeSettings | undefined;
  readonly globalBlock: BlockEntry | undefined;
}

/** Reads the defaults and the platform-wide block for one user. Store errors propagate (fail closed). */
export async function readSurroundingRules(storage: Storage, scope: QuotaScope, userId: string): Promise<SurroundingRules> {
  const [community, platform, globalBlock] = await Promise.all([
    scope.communityId === null ? undefined : storage.read<ScopeSettings>(SETTINGS_NAMESPACE, settingsKey(scope)),
    storage.read<ScopeSettings>(SETTINGS_NAMESPACE, settingsKey({ platform: scope.platform, communityId: null })),
    storage.read<BlockEntry>(GLOBAL_BLOCKS_NAMESPACE, globalBlockKey(scope.platform, userId)),
  ]);
  return { community, platform, globalBlock };
}

/** User override → community default → platform default (owners) → QUOTA_LIMIT. */
export function resolveLimit(userLimit: number | undefined, rules: SurroundingRules, configLimit: number): ResolvedLimit {
  if (userLimit !== undefined) return { limit: userLimit, source: 'user' };
  if (rules.community?.defaultLimit !== undefined) return { limit: rules.community.defaultLimit, source: 'community' };
  if (rules.platform?.defaultLimit !== undefined) return { limit: rules.platform.defaultLimit, source: 'platform' };
  return { limit: configLimit, source: 'config' };
}
