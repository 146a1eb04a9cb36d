/**
 * The few answers the Telegram adapter gives on its own, before any command runs: they explain how
 * to ask, so they cost the user nothing. Everything else is worded by the commands.
 */

export const NEED_CAPTION =
  'Please add a caption to your photo saying what to change, for example "make the sky purple", ' +
  'and send it again. You can also reply to the photo with /edit and your request.';

export function editUsage(botUsername: string, inGroup: boolean): string {
  const lines = [
    'To edit a photo, reply to it with /edit and what to change, for example:',
    '/edit make the sky purple',
    inGroup
      ? `Or send the photo with a caption that starts with /edit or mentions @${botUsername}.`
      : 'Or send me the photo with a caption saying what to change.',
  ];
  return lines.join('\n');
}

export const PRIVATE_HINT =
  'Send me a photo with a caption saying what to change, or reply to a photo with /edit and your request. ' +
  '/help tells you more.';

export const IMAGINE_USAGE =
  'To create an image from text, send /imagine and a description, for example:\n/imagine a red fox in the snow --ar 16:9';

export const NOT_AN_IMAGE =
  'I can only edit images: send a photo, or a JPEG, PNG or WebP file. This file is not one of those.';

/** The download limit, in whole megabytes as Telegram states it (20 MB on the cloud Bot API). */
export function fileTooLarge(maxBytes: number): string {
  const megabytes = Math.floor(maxBytes / (1024 * 1024));
  return `This file is too large: I can only download files up to ${megabytes} MB from Telegram. ` +
    'Send it as a photo, or a smaller file.';
}

export function tooManyImages(count: number, max: number): string {
  return `That is ${count} images; I can edit at most ${max} at once. Send fewer and try again. This did not use your quota.`;
}

/** To the first item of an album that came in after the album's job had started. */
export function albumTakenLate(count: number): string {
  const images = count === 1 ? '1 image' : `${count} images`;
  return `This album was already taken with ${images}; send late photos again with /edit.`;
}
