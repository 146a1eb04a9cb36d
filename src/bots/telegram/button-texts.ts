/**
 * What the adapter says about its buttons. English for now: the catalogues (core/i18n) have no
 * button texts yet; these belong there once they do.
 */

export const GONE = 'This file is no longer available; run it again.';
export const NOT_YOUR_REQUEST = 'Only the person who asked can run this again.';
export const ALREADY_AGAIN = 'Already started: use the buttons on the newest result.';

export function editAgainPrompt(isPrivate: boolean, username: string | undefined): string {
  const who = username ? `@${username}, r` : 'R';
  return isPrivate
    ? 'Reply to the image with what to change, for example: make the sky purple.'
    : `${who}eply to the image with /edit and what to change, for example: /edit make the sky purple.`;
}
