import type { Platform } from '../core/quota/subject.ts';
import type { ModerationTarget, RawNumber, TargetRef } from './moderation-context.ts';
import { MAX_QUOTA_NUMBER } from './moderation-specs.ts';
import { moderationRefusals } from './moderation-texts.ts';

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly text: string };

export interface NumberRule {
  /** How the answer names the number: `The limit`, `The amount`, `The page`. */
  readonly what: string;
  readonly min: number;
  readonly max?: number;
  /** Accept the word `default` (meaning "remove it"), read as null. */
  readonly allowDefault?: boolean;
}

/**
 * A moderator's number, as typed or as the platform parsed it: a whole number within the rule,
 * or `default` where that is allowed. Anything else (negative, fractional, huge, words) is refused
 * with the range, and nothing changes.
 */
export function checkNumber(raw: RawNumber, rule: NumberRule): Checked<number | null> {
  const max = rule.max ?? MAX_QUOTA_NUMBER;
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) {
    return { ok: false, text: moderationRefusals.missingNumber(rule.what) };
  }
  if (typeof raw === 'string' && rule.allowDefault && raw.trim().toLowerCase() === 'default') return { ok: true, value: null };
  const text = String(raw).trim();
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < rule.min || value > max) {
    return { ok: false, text: moderationRefusals.badNumber(rule.what, rule.min, max) };
  }
  return { ok: true, value };
}

/** The person a command is about: given, known, and not a bot. */
export function checkTarget(ref: TargetRef | undefined, platform: Platform): Checked<ModerationTarget> {
  if (!ref || ref.kind === 'missing') return { ok: false, text: moderationRefusals.missingTarget(platform) };
  if (ref.kind === 'unknown') return { ok: false, text: moderationRefusals.unknownTarget(ref.text) };
  if (ref.target.isBot) return { ok: false, text: moderationRefusals.targetIsBot() };
  return { ok: true, value: ref.target };
}

/** A block reason as it is kept: one line, trimmed, clipped; empty means none. */
export function cleanReason(reason: string | undefined, maxLength: number): string | undefined {
  const text = reason?.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
