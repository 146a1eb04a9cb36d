import type { ErrorCode } from '../errors.ts';
import type { CancelResult } from '../jobs/runner.ts';
import type { QuotaBlock, QuotaView } from '../quota/ledger.ts';
import type { Platform } from '../quota/subject.ts';
import type { ButtonTexts, ChatTexts, CommandTexts, ModerationTexts, OptionTexts, ResultTexts } from './sections.ts';

/** A moment's parts, formatted for the language by Intl; the catalogue arranges them into a phrase. */
export interface MomentParts {
  readonly weekday: string;
  readonly day: string;
  readonly month: string;
  readonly time: string;
  readonly timeZone: string;
}

/**
 * Every text a user can see, in one language. One file per language implements this; adding a
 * language is that file plus one line in `languages.ts`. Texts are plain (no markup), so each adapter
 * can show them as they are.
 */
export interface Catalogue {
  /** The BCP 47 tag Intl formats dates with. */
  readonly intlLocale: string;
  readonly errors: Readonly<Record<ErrorCode, string>>;
  /** Appended to every refusal and failure: the quota was not touched. */
  readonly notCharged: string;
  queued(position?: number): string;
  running(kind?: 'edit' | 'imagine'): string;
  delivering(): string;
  needPrompt(): string;
  promptTooLong(max: number): string;
  needImage(): string;
  needImaginePrompt(): string;
  tooManyImages(max: number): string;
  badCount(max: number): string;
  duplicate(): string;
  cancelled(): string;
  /** A new request while the bot shuts down: nothing was started or reserved; send it again shortly. */
  restarting(): string;
  /** The status of a running job left for the next start to continue (the bot is restarting). */
  suspended(): string;
  /** The bot restarted before the job reached the image service: nothing charged; send it again. */
  interrupted(): string;
  /** The user already has `max` requests in flight (abuse limit); nothing charged. */
  tooManyInFlight(max: number): string;
  /** The user must wait `seconds` (whole, at least 1) before the next request; nothing charged. */
  coolDown(seconds: number): string;
  cancelRefused(why: Exclude<CancelResult, 'cancelled'>): string;
  quotaExhausted(quota: QuotaView, requested: number, now?: number): string;
  blocked(block: QuotaBlock): string;
  done(elapsedMs: number, quota: QuotaView): string;
  /** `/quota`. `resets` says when the window ends, as the platform shows a moment. */
  quota(quota: QuotaView, resets: string): string;
  help(platform: Platform): string;
  /** A moment in a time zone, e.g. `on Sun 22 Nov at 00:00 (UTC)`. */
  moment(parts: MomentParts): string;
  readonly chat: ChatTexts;
  readonly buttons: ButtonTexts;
  readonly options: OptionTexts;
  readonly moderation: ModerationTexts;
  readonly result: ResultTexts;
  /** Translated command names and descriptions; absent for English, which the specs are written in. */
  readonly commands?: CommandTexts;
}

/** `2 h 5 min`, `3 days`: a span until a reset, in minutes, with the language's units. */
export function spanOf(ms: number, units: { readonly min: string; readonly h: string; readonly days: string }): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours >= 48) return `${Math.round(hours / 24)} ${units.days}`;
  return hours > 0 ? `${hours} ${units.h} ${rest} ${units.min}` : `${rest} ${units.min}`;
}

/** `3.4`, `14`: seconds with one decimal under ten. */
export function secondsOf(ms: number, decimalSeparator = '.'): string {
  const seconds = ms / 1000;
  return seconds < 10 ? seconds.toFixed(1).replace('.', decimalSeparator) : String(Math.round(seconds));
}
