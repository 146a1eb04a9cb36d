export type Platform = 'discord' | 'telegram';

/** Whose quota: a user within one community (Discord guild, Telegram group), or in direct messages. */
export interface QuotaSubject {
  readonly platform: Platform;
  /** Guild or group id; null in direct messages. */
  readonly communityId: string | null;
  readonly userId: string;
}

export function subjectKey(subject: QuotaSubject): string {
  return `${subject.platform}:${subject.communityId ?? 'dm'}:${subject.userId}`;
}
