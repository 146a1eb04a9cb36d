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
