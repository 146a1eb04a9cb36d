import type { AuditAction, AuditValue } from '../quota/audit.ts';
import type { QuotaBlock, QuotaView } from '../quota/ledger.ts';
import type { LimitSource } from '../quota/settings.ts';
import { secondsOf, spanOf, type Catalogue } from './catalogue.ts';

const period = (quota: Pick<QuotaView, 'window'>) => (quota.window === 'day' ? 'today' : quota.window === 'week' ? 'this week' : 'this month');
const resetsIn = (quota: QuotaView, now = Date.now()) => `Resets in ${spanOf(quota.resetsAt.getTime() - now, { min: 'min', h: 'h', days: 'days' })}.`;
const bonusNote = (quota: QuotaView) =>
  quota.bonus > 0 ? `, plus ${quota.bonus} bonus image${quota.bonus === 1 ? '' : 's'} (kept until used)` : '';
const blockedLine = (block: QuotaBlock) => {
  const who = block.scope === 'platform' ? 'The bot owner has blocked you from using this bot' : 'A moderator has blocked you from using this bot here';
  return `${who}${block.reason ? ` (reason: ${block.reason})` : ''}. Ask a moderator if you think this is a mistake.`;
};

/** How a limit's origin reads to a moderator. */
const LIMIT_SOURCE: Readonly<Record<LimitSource, string>> = {
  user: 'their own limit',
  community: 'the default here',
  platform: "the bot owner's default",
  config: "the bot's configured default",
};
const ACTION: Readonly<Record<AuditAction, string>> = {
  set: 'set the limit of',
  grant: 'gave bonus images to',
  reset: 'reset the usage of',
  block: 'blocked',
  unblock: 'unblocked',
  default: 'set the default limit',
};
const NUMBER = { limit: 'The limit', amount: 'The amount', page: 'The page' } as const;
const limitText = (limit: AuditValue) => (limit === null ? 'none (the default applies)' : String(limit));
/** A value in the log: a number, or yes / no / none. */
const valueText = (value: AuditValue) => (value === null ? 'none' : value === true ? 'yes' : value === false ? 'no' : String(value));
const images = (n: number) => (n === 1 ? '1 image' : `${n} images`);

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
  restarting: () => 'I am restarting right now, so I did not start this. Please send it again in a minute. This did not use your quota.',
  suspended: () => 'Paused: I am restarting. Your request will carry on by itself in a moment.',
  interrupted: () => 'I restarted before your request reached the image service, so nothing was made and nothing was charged. Please send it again.',
  tooManyInFlight: (max) =>
    `You already have ${max === 1 ? 'a request' : `${max} requests`} in progress. Send this again once ${max === 1 ? 'it has' : 'one has'} finished. This did not use your quota.`,
  coolDown: (seconds) => `Please wait ${seconds} s before your next request. This did not use your quota.`,
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
          'Options: up to four input images, count (1–4 results), aspect_ratio and format.',
          'Use /imagine with a prompt to create an image from text alone, with the same options.',
          '/quota shows how many images you have left.',
        ]
    ).join('\n'),
  moment: (p) => `on ${p.weekday} ${p.day} ${p.month} at ${p.time} (${p.timeZone})`,
  chat: {
    needCaption: () =>
      'Please add a caption to your photo saying what to change, for example "make the sky purple", and send it again. ' +
      'You can also reply to the photo with /edit and your request.',
    editUsage: (botUsername, inGroup) =>
      [
        'To edit a photo, reply to it with /edit and what to change, for example:',
        '/edit make the sky purple',
        inGroup ? `Or send the photo with a caption that starts with /edit or mentions @${botUsername}.` : 'Or send me the photo with a caption saying what to change.',
      ].join('\n'),
    privateHint: () => 'Send me a photo with a caption saying what to change, or reply to a photo with /edit and your request. /help tells you more.',
    imagineUsage: () => 'To create an image from text, send /imagine and a description, for example:\n/imagine a red fox in the snow --ar 16:9',
    needPromptWithOptions: () => 'Add a prompt as well as the options, saying what you want.',
    notAnImage: () => 'I can only edit images: send a photo, or a JPEG, PNG or WebP file. This file is not one of those.',
    fileTooLarge: (megabytes) =>
      `This file is too large: I can only download files up to ${megabytes} MB from Telegram. Send it as a photo, or a smaller file.`,
    tooManyImages: (count, max) => `That is ${count} images; I can edit at most ${max} at once. Send fewer and try again. This did not use your quota.`,
    albumTakenLate: (count) => `This album was already taken with ${images(count)}; send late photos again with /edit.`,
    commandGone: () => 'This command is not available any more. Use /help to see what I can do.',
  },
  buttons: {
    cancel: 'Cancel',
    sendAsFile: 'Send as file',
    sendAsFiles: 'Send as files',
    again: 'Again',
    editAgain: 'Edit again',
    editThis: 'Edit this',
    useAsInput2: 'Use as input #2',
    promptLabel: 'What to change',
    cancelling: 'Cancelling…',
    gone: 'This file is no longer available; run it again.',
    notYourRequest: 'Only the person who asked can use this button.',
    alreadyAgain: 'Already started: use the buttons on the newest result.',
    editAgainPrompt: (isPrivate, username) =>
      isPrivate
        ? 'Reply to the image with what to change, for example: make the sky purple.'
        : `${username ? `@${username}, r` : 'R'}eply to the image with /edit and what to change, for example: /edit make the sky purple.`,
  },
  options: {
    help: (maxCount) => `Options: --n 1-${maxCount} (how many), --ar 16:9 (shape), --png, --jpeg or --webp (file format).`,
    badCount: (flag, max) => `--${flag} takes a number from 1 to ${max}.`,
    badRatio: (flag, ratios) => `--${flag} takes one of ${ratios.join(', ')}.`,
    badFormat: (flag) => `--${flag} takes png, jpeg or webp.`,
    unknownOption: (flag) => `I do not know the option --${flag}.`,
  },
  moderation: {
    notModerator: () => 'Only moderators of this community can use this command. Nothing was changed.',
    notOwnerInPrivate: () => 'Moderator commands work in a server or group, for its moderators. In a private chat only the bot owners can use them.',
    missingTarget: (platform) =>
      platform === 'telegram' ? 'Say whose quota: reply to one of their messages, or add their @username or numeric id.' : 'Choose the member this is about.',
    unknownTarget: (text) => `I have not seen ${text} yet, so I do not know who that is. Reply to one of their messages, or use their numeric id.`,
    targetIsBot: () => 'Bots have no quota. Choose a person.',
    badNumber: (what, min, max) => `${NUMBER[what]} must be a whole number from ${min} to ${max}. Nothing was changed.`,
    missingNumber: (what) => `Add the ${NUMBER[what].toLowerCase()} as a number. Nothing was changed.`,
    someone: (userId) => `user ${userId}`,
    show: (who, quota, resets) => {
      const lines = [
        `${who}: used ${quota.used} of ${quota.limit} images ${period(quota)} (${LIMIT_SOURCE[quota.limitSource]}); ${quota.remaining} left, ${quota.bonus} bonus.`,
      ];
      if (quota.reserved > 0) lines.push(`${quota.reserved} held by requests in progress.`);
      lines.push(`The period resets ${resets}.`);
      if (quota.blocked) {
        const where = quota.blocked.scope === 'platform' ? 'everywhere on this platform' : 'here';
        lines.push(`Blocked ${where}${quota.blocked.reason ? ` (reason: ${quota.blocked.reason})` : ''}.`);
      }
      return lines.join('\n');
    },
    set: (who, change) =>
      change.after === null
        ? `${who} no longer has a limit of their own (was ${limitText(change.before)}); the default applies.`
        : `${who} may now use ${String(change.after)} images per period (their own limit was ${limitText(change.before)}).`,
    grant: (who, change, amount) => `Gave ${who} ${amount} bonus image${amount === 1 ? '' : 's'}: bonus ${String(change.before)} → ${String(change.after)}, kept until used.`,
    reset: (who, change) => `Reset ${who}'s usage this period: ${String(change.before)} → 0.`,
    block: (who, change, platformWide) =>
      change.before === true
        ? `${who} was already blocked${platformWide ? ' everywhere' : ' here'}; the reason is updated.`
        : `Blocked ${who}${platformWide ? ' everywhere on this platform' : ' here'}. Their requests are refused until unblocked, at no cost.`,
    unblock: (who, change, platformWide) =>
      change.before === true ? `Unblocked ${who}${platformWide ? ' everywhere' : ''}.` : `${who} was not blocked${platformWide ? ' platform-wide' : ' here'}; nothing changed.`,
    setDefault: (change, platformWide) => {
      const where = platformWide ? 'The default limit for everyone on this platform' : 'The default limit here';
      return change.after === null
        ? `${where} is removed (was ${limitText(change.before)}); the next default up applies.`
        : `${where} is now ${String(change.after)} images per period (was ${limitText(change.before)}).`;
    },
    logEmpty: (page) => (page === 1 ? 'No moderator actions recorded yet.' : `There is no page ${page} of the log.`),
    logPage: (lines, page, pages) =>
      [`Moderation log, newest first (page ${page} of ${pages}):`, ...lines, ...(page < pages ? [`Older entries: page ${page + 1}.`] : [])].join('\n'),
    logLine: (entry, when) => {
      const actor = entry.actor.name ?? entry.actor.userId;
      const target = entry.target ? ` ${entry.target.name ?? entry.target.userId}` : '';
      const reason = entry.reason ? ` (reason: ${entry.reason})` : '';
      return `• ${when}: ${actor} ${ACTION[entry.action]}${target}: ${valueText(entry.before)} → ${valueText(entry.after)}${reason}`;
    },
  },
  result: {
    promptLabel: 'Prompt',
    elapsedLabel: 'Time',
    providerLabel: 'Made by',
    seconds: (ms) => `${secondsOf(ms)} s`,
    reencoded: (count, limit) =>
      `${count === 1 ? 'One image was' : `${count} images were`} too large to upload here (${limit}), so ${count === 1 ? 'it was' : 'they were'} sent as smaller JPEGs.`,
    leftOut: (count, total, limit) => `${count} of ${total} images could not be sent: too large to upload here (${limit}), even made smaller. They did not use your quota.`,
    lateDelivery: (mention) => `${mention}, your images are ready. (Your request took longer than Discord lets me edit the original reply.)`,
    modalTitle: 'Edit with Nano Banana',
    noImagesInMessage: () => 'That message has no image I can edit. Use it on a message with an image attachment.',
    inputsExpired: () => 'Discord no longer serves the original images. Use Edit this on the result, or run /edit again.',
  },
};

export { period as periodName };
