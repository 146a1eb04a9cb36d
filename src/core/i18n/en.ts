import type { QuotaBlock, QuotaView } from '../quota/ledger.ts';
import { secondsOf, spanOf, type Catalogue } from './catalogue.ts';

const period = (quota: Pick<QuotaView, 'window'>) => (quota.window === 'day' ? 'today' : quota.window === 'week' ? 'this week' : 'this month');
const resetsIn = (quota: QuotaView, now = Date.now()) => `Resets in ${spanOf(quota.resetsAt.getTime() - now, { min: 'min', h: 'h', days: 'days' })}.`;
const bonusNote = (quota: QuotaView) =>
  quota.bonus > 0 ? `, plus ${quota.bonus} bonus image${quota.bonus === 1 ? '' : 's'} (kept until used)` : '';
const blockedLine = (block: QuotaBlock) => {
  const who = block.scope === 'platform' ? 'The bot owner has blocked you from using this bot' : 'A moderator has blocked you from using this bot here';
  return `${who}${block.reason ? ` (reason: ${block.reason})` : ''}. Ask a moderator if you think this is a mistake.`;
};

export const en: Catalogue = {
  intlLocale: 'en-GB',
  errors: {
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
  },
  notCharged: 'This did not use your quota.',
  queued: (position) => (position === undefined ? 'Queued…' : position <= 0 ? 'Queued: you are next…' : `Queued: ${position} ahead of you…`),
  running: (kind = 'edit') => (kind === 'edit' ? 'Editing…' : 'Creating…'),
  delivering: () => 'Sending…',
  needPrompt: () => 'Tell me what to change: add a prompt describing the edit.',
  promptTooLong: (max) => `That prompt is too long. Keep it under ${max} characters.`,
  needImage: () => 'Attach an image to edit, or use /imagine to create one from text alone.',
  needImaginePrompt: () => 'Tell me what to create: /imagine followed by a description, for example /imagine a red fox in the snow.',
  tooManyImages: (max) => `Send at most ${max} images at once.`,
  badCount: (max) => `Ask for between 1 and ${max} images.`,
  duplicate: () => 'I am already working on this request.',
  cancelled: () => 'Cancelled. This did not use your quota.',
  cancelRefused: (why) =>
    why === 'not_yours' ? 'Only the person who asked can cancel this.' : why === 'too_late' ? 'Too late to cancel: the result is on its way.' : 'This request has already finished.',
  quotaExhausted: (quota, requested, now) => {
    const left = quota.remaining + quota.bonus;
    return left === 0
      ? `You have used all ${quota.limit} images for ${period(quota)}. ${resetsIn(quota, now)}`
      : `You asked for ${requested} images but have ${left} left${quota.bonus > 0 ? ' (bonus included)' : ''}. Ask for fewer. ${resetsIn(quota, now)}`;
  },
  blocked: (block) => `${blockedLine(block)} This did not use your quota.`,
  done: (elapsedMs, quota) => `Done in ${secondsOf(elapsedMs)} s · ${quota.remaining} of ${quota.limit} images left ${period(quota)}${bonusNote(quota)}.`,
  quota: (quota, resets) => {
    const lines = quota.blocked ? [blockedLine(quota.blocked)] : [];
    const inFlight = quota.reserved > 0 ? ` ${quota.reserved} held by requests in progress.` : '';
    lines.push(`You have used ${quota.used} of ${quota.limit} images ${period(quota)}; ${quota.remaining} left${bonusNote(quota)}.${inFlight}`);
    lines.push(`Resets ${resets}.`);
    return lines.join('\n');
  },
  help: (platform) =>
    (platform === 'telegram'
      ? [
          'Send me a photo with a caption saying what to change, and I will send back the edited image.',
          'You can also reply to a photo with /edit <what to change>. In groups, start the caption with /edit.',
          '/imagine <description> creates a new image from text alone.',
          'Options in the text: --n 2 (how many), --ar 16:9 (shape), --png / --jpeg / --webp (file format).',
          'Tip: send the image as a file to keep its full quality.',
          '/quota shows how many images you have left.',
        ]
      : [
          'Use /edit with a prompt and an image, and I will reply with the edited image.',
          'Options: up to three input images, count (1–4 results), aspect_ratio and format.',
          'Use /imagine with a prompt to create an image from text alone, with the same options.',
          '/quota shows how many images you have left.',
        ]
    ).join('\n'),
  moment: (p) => `on ${p.weekday} ${p.day} ${p.month} at ${p.time} (${p.timeZone})`,
};

export { period as periodName };
