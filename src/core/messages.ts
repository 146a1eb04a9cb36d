import type { ErrorCode } from './errors.ts';
import type { QuotaBlock, QuotaView } from './quota/ledger.ts';
import type { Platform } from './quota/subject.ts';

/**
 * Every text a user can see, in one place. Error codes map to messages here and nowhere else.
 * Texts are plain (no markup) so each adapter can show them as they are.
 */
const ERROR_TEXT: Readonly<Record<ErrorCode, string>> = {
  INPUT_INVALID: 'That request is not valid.',
  IMAGE_UNSUPPORTED: 'That file is not an image I can edit. Send a JPEG, PNG or WebP image.',
  IMAGE_TOO_LARGE: 'That image is too large. Send a smaller one (under 20 MB and 50 megapixels).',
  DOWNLOAD_FAILED: 'I could not download your image. Please send it again.',
  PROVIDER_REJECTED: 'The image service refused this request.',
  PROVIDER_UNAVAILABLE: 'The image service is unavailable right now. Please try again in a few minutes.',
  PROVIDER_FAILED: 'The image service could not make this image. Try rewording your prompt.',
  PROVIDER_PROTOCOL: 'The image service sent an answer I could not read. Please try again.',
  TIMED_OUT: 'This took too long, so I cancelled it.',
  CANCELLED: 'Cancelled.',
  STORE_UNAVAILABLE: 'I cannot reach my database right now, so I cannot take requests. Please try again later.',
  DELIVERY_FAILED: 'Your image was made, but I could not send it here.',
  INTERNAL: 'Something went wrong on my side.',
};

const NOT_CHARGED = 'This did not use your quota.';

export function errorMessage(code: ErrorCode, userDetail?: string): string {
  const detail = userDetail ? ` (${userDetail})` : '';
  return `${ERROR_TEXT[code]}${detail} ${NOT_CHARGED}`;
}

export const messages = {
  queued: (position?: number) =>
    position === undefined ? 'Queued…' : position <= 0 ? 'Queued: you are next…' : `Queued: ${position} ahead of you…`,
  running: (kind: 'edit' | 'imagine' = 'edit') => (kind === 'edit' ? 'Editing…' : 'Creating…'),
  delivering: () => 'Sending…',
  needPrompt: () => 'Tell me what to change: add a prompt describing the edit.',
  promptTooLong: (max: number) => `That prompt is too long. Keep it under ${max} characters.`,
  needImage: () => 'Attach an image to edit, or use /imagine to create one from text alone.',
  needImaginePrompt: () => 'Tell me what to create: /imagine followed by a description, for example /imagine a red fox in the snow.',
  tooManyImages: (max: number) => `Send at most ${max} images at once.`,
  badCount: (max: number) => `Ask for between 1 and ${max} images.`,
  duplicate: () => 'I am already working on this request.',
  cancelled: () => 'Cancelled. This did not use your quota.',
  cancelRefused: (why: 'not_found' | 'not_yours' | 'too_late') =>
    why === 'not_yours' ? 'Only the person who asked can cancel this.' : why === 'too_late' ? 'Too late to cancel: the result is on its way.' : 'This request has already finished.',
  quotaExhausted: (quota: QuotaView, requested: number) => {
    const left = quota.remaining + quota.bonus;
    return left === 0
      ? `You have used all ${quota.limit} images for ${periodName(quota)}. ${resetsIn(quota)}`
      : `You asked for ${requested} images but have ${left} left${quota.bonus > 0 ? ' (bonus included)' : ''}. Ask for fewer. ${resetsIn(quota)}`;
  },
  blocked: (block: QuotaBlock) => `${blockedLine(block)} This did not use your quota.`,
  done: (elapsedMs: number, quota: QuotaView) =>
    `Done in ${formatSeconds(elapsedMs)} · ${quota.remaining} of ${quota.limit} images left ${periodName(quota)}${bonusNote(quota)}.`,
  /** `/quota`. `resets` says when the window ends, as the platform shows a moment. */
  quota: (quota: QuotaView, resets: string) => {
    const lines: string[] = [];
    if (quota.blocked) lines.push(blockedLine(quota.blocked));
    const inFlight = quota.reserved > 0 ? ` ${quota.reserved} held by requests in progress.` : '';
    lines.push(`You have used ${quota.used} of ${quota.limit} images ${periodName(quota)}; ${quota.remaining} left${bonusNote(quota)}.${inFlight}`);
    lines.push(`Resets ${resets}.`);
    return lines.join('\n');
  },
  help: (platform: Platform) =>
    platform === 'telegram'
      ? [
          'Send me a photo with a caption saying what to change, and I will send back the edited image.',
          'You can also reply to a photo with /edit <what to change>. In groups, start the caption with /edit.',
          '/imagine <description> creates a new image from text alone.',
          'Options in the text: --n 2 (how many), --ar 16:9 (shape), --png / --jpeg / --webp (file format).',
          'Tip: send the image as a file to keep its full quality.',
          '/quota shows how many images you have left.',
        ].join('\n')
      : [
          'Use /edit with a prompt and an image, and I will reply with the edited image.',
          'Options: up to three input images, count (1–4 results), aspect_ratio and format.',
          'Use /imagine with a prompt to create an image from text alone, with the same options.',
          '/quota shows how many images you have left.',
        ].join('\n'),
};

function blockedLine(block: QuotaBlock): string {
  const who = block.scope === 'platform' ? 'The bot owner has blocked you from using this bot' : 'A moderator has blocked you from using this bot here';
  const why = block.reason ? ` (reason: ${block.reason})` : '';
  return `${who}${why}. Ask a moderator if you think this is a mistake.`;
}

function bonusNote(quota: QuotaView): string {
  return quota.bonus > 0 ? `, plus ${quota.bonus} bonus image${quota.bonus === 1 ? '' : 's'} (kept until used)` : '';
}

export function periodName(quota: Pick<QuotaView, 'window'>): string {
  return quota.window === 'day' ? 'today' : quota.window === 'week' ? 'this week' : 'this month';
}

function resetsIn(quota: QuotaView, now: number = Date.now()): string {
  const minutes = Math.max(1, Math.ceil((quota.resetsAt.getTime() - now) / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const span = hours >= 48 ? `${Math.round(hours / 24)} days` : hours > 0 ? `${hours} h ${rest} min` : `${rest} min`;
  return `Resets in ${span}.`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return seconds < 10 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`;
}
