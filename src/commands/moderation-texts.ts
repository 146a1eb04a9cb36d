import type { Change } from '../core/quota/admin.ts';
import type { AuditEntry, AuditValue } from '../core/quota/audit.ts';
import type { QuotaView } from '../core/quota/ledger.ts';
import type { LimitSource } from '../core/quota/settings.ts';
import type { Platform } from '../core/quota/subject.ts';
import { periodName } from '../core/messages.ts';

/**
 * The refusals of moderator commands. Each one means that nothing changed; adapters and tests may
 * compare against these functions rather than restating the words.
 */
export const moderationRefusals = {
  notModerator: () => 'Only moderators of this community can use this command. Nothing was changed.',
  notOwnerInPrivate: () =>
    'Moderator commands work in a server or group, for its moderators. In a private chat only the bot owners can use them.',
  missingTarget: (platform: Platform) =>
    platform === 'telegram'
      ? 'Say whose quota: reply to one of their messages, or add their @username or numeric id.'
      : 'Choose the member this is about.',
  unknownTarget: (text: string) =>
    `I have not seen ${text} yet, so I do not know who that is. Reply to one of their messages, or use their numeric id.`,
  targetIsBot: () => 'Bots have no quota. Choose a person.',
  badNumber: (what: string, min: number, max: number) =>
    `${what} must be a whole number from ${min} to ${max}. Nothing was changed.`,
  missingNumber: (what: string) => `Add the ${what.toLowerCase()} as a number. Nothing was changed.`,
} as const;

/** How a limit's origin reads to a moderator. */
const LIMIT_SOURCE_TEXT: Readonly<Record<LimitSource, string>> = {
  user: 'their own limit',
  community: 'the default here',
  platform: "the bot owner's default",
  config: "the bot's configured default",
};

const limitText = (limit: AuditValue) => (limit === null ? 'none (the default applies)' : String(limit));

/** The answers to moderator commands that did what was asked. Plain text; `who` names the target. */
export const moderationAnswers = {
  show: (who: string, quota: QuotaView, resets: string) => {
    const lines = [
      `${who}: used ${quota.used} of ${quota.limit} images ${periodName(quota)} (${LIMIT_SOURCE_TEXT[quota.limitSource]}); ${quota.remaining} left, ${quota.bonus} bonus.`,
    ];
    if (quota.reserved > 0) lines.push(`${quota.reserved} held by requests in progress.`);
    lines.push(`The period resets ${resets}.`);
    if (quota.blocked) {
      const where = quota.blocked.scope === 'platform' ? 'everywhere on this platform' : 'here';
      lines.push(`Blocked ${where}${quota.blocked.reason ? ` (reason: ${quota.blocked.reason})` : ''}.`);
    }
    return lines.join('\n');
  },
  set: (who: string, change: Change) =>
    change.after === null
      ? `${who} no longer has a limit of their own (was ${limitText(change.before)}); the default applies.`
      : `${who} may now use ${String(change.after)} images per period (their own limit was ${limitText(change.before)}).`,
  grant: (who: string, change: Change, amount: number) =>
    `Gave ${who} ${amount} bonus image${amount === 1 ? '' : 's'}: bonus ${String(change.before)} → ${String(change.after)}, kept until used.`,
  reset: (who: string, change: Change) => `Reset ${who}'s usage this period: ${String(change.before)} → 0.`,
  block: (who: string, change: Change, platformWide: boolean) =>
    change.before === true
      ? `${who} was already blocked${platformWide ? ' everywhere' : ' here'}; the reason is updated.`
      : `Blocked ${who}${platformWide ? ' everywhere on this platform' : ' here'}. Their requests are refused until unblocked, at no cost.`,
  unblock: (who: string, change: Change, platformWide: boolean) =>
    change.before === true ? `Unblocked ${who}${platformWide ? ' everywhere' : ''}.` : `${who} was not blocked${platformWide ? ' platform-wide' : ' here'}; nothing changed.`,
  setDefault: (change: Change, platformWide: boolean) => {
    const where = platformWide ? 'The default limit for everyone on this platform' : 'The default limit here';
    return change.after === null
      ? `${where} is removed (was ${limitText(change.before)}); the next default up applies.`
      : `${where} is now ${String(change.after)} images per period (was ${limitText(change.before)}).`;
  },
  logEmpty: (page: number) => (page === 1 ? 'No moderator actions recorded yet.' : `There is no page ${page} of the log.`),
  logPage: (lines: readonly string[], page: number, pages: number) =>
    [`Moderation log, newest first (page ${page} of ${pages}):`, ...lines, ...(page < pages ? [`Older entries: page ${page + 1}.`] : [])].join('\n'),
  logLine: (entry: AuditEntry, when: string) => {
    const actor = entry.actor.name ?? entry.actor.userId;
    const target = entry.target ? ` ${entry.target.name ?? entry.target.userId}` : '';
    const reason = entry.reason ? ` (reason: ${entry.reason})` : '';
    return `• ${when}: ${actor} ${entry.action}${target}: ${String(entry.before)} → ${String(entry.after)}${reason}`;
  },
} as const;
