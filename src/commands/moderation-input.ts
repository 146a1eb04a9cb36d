import type { Platform } from '../core/quota/subject.ts';
import type { ModerationTarget, RawNumber, TargetRef } from './moderation-context.ts';
import { MAX_QUOTA_NUMBER } from './moderation-specs.ts';
import type { ModerationNumber, ModerationTexts } from '../core/i18n/sections.ts';

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly text: string };

export interface NumberRule {
  /** What the number is, so the answer can name it. */
  readonly what: ModerationNumber;
  readonly min: number;
  readonly max?: number;
}

/**
 * A moderator's number, as typed or as the platform parsed it: a whole number within the rule.
 * Anything else (negative, fractional, huge, words) is refused with the range, and nothing changes.
 */
export function checkNumber(raw: RawNumber, rule: NumberRule, texts: ModerationTexts): Checked<number> {
  const max = rule.max ?? MAX_QUOTA_NUMBER;
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return { ok: false, text: texts.missingNumber(rule.what) };
  const text = String(raw).trim();
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < rule.min || value > max) return { ok: false, text: texts.badNumber(rule.what, rule.min, max) };
  return { ok: true, value };
}

/** A limit: a number from 0, or the word `default` (remove it, so the next default up applies), read as null. */
export function checkLimit(raw: RawNumber, texts: ModerationTexts): Checked<number | null> {
  if (typeof raw === 'string' && raw.trim().toLowerCase() === 'default') return { ok: true, value: null };
  return checkNumber(raw, { what: 'limit', min: 0 }, texts);
}

/** The person a command is about: given, known, and not a bot. */
export function checkTarget(ref: TargetRef | undefined, platform: Platform, texts: ModerationTexts): Checked<ModerationTarget> {
  if (!ref || ref.kind === 'missing') return { ok: false, text: texts.missingTarget(platform) };
  if (ref.kind === 'unknown') return { ok: false, text: texts.unknownTarget(ref.text) };
  if (ref.target.isBot) return { ok: false, text: texts.targetIsBot() };
  return { ok: true, value: ref.target };
}

/** A block reason as it is kept: one line, trimmed, clipped; empty means none. */
export function cleanReason(reason: string | undefined, maxLength: number): string | undefined {
  const text = reason?.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
