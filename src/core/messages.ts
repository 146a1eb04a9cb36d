import type { ErrorCode } from './errors.ts';
import { catalogueFor } from './i18n/languages.ts';
import { en } from './i18n/en.ts';

/**
 * Every text a user can see lives in the catalogues (`i18n/`); error codes map to words there and
 * nowhere else. `messages` is the English catalogue, for callers that have no user language.
 */
export const messages = en;
export { catalogueFor } from './i18n/languages.ts';
export { periodName } from './i18n/en.ts';

/** The words for an error code, with the safe detail and the line saying nothing was charged. */
export function errorMessage(code: ErrorCode, userDetail?: string, locale?: string): string {
  const catalogue = catalogueFor(locale);
  const detail = userDetail ? ` (${userDetail})` : '';
  return `${catalogue.errors[code]}${detail} ${catalogue.notCharged}`;
}
