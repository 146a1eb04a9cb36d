/**
 * The custom_id of every button and modal the bot makes. They carry ids only (Discord caps them at
 * 100 characters), so a button keeps working after a restart: what it acts on is read from the
 * message it sits on, or from the stored recipe of the request (`requestId` = the interaction id of
 * the request that made the message, also the core's job id after `discord:`).
 *
 * - `nb:cancel:<requestId>`  Cancel on a progress card (the requester only).
 * - `nb:again:<requestId>`   Again on a result: the same inputs and prompt, a new request.
 * - `nb:edit:<requestId>`    Edit this on a result: a prompt form, then an edit of the result images.
 * - `nb:in2:<requestId>`     Use as input #2: a prompt form, then an edit of [first original input, result].
 * - `nb:form:edit:<requestId>` / `nb:form:in2:<requestId>`  the prompt forms those two buttons open.
 * - `nb:form:menu:<interactionId>`  the prompt form of the message menu command; the id names the
 *   images remembered from the menu interaction.
 */
export type CustomId =
  | { readonly kind: 'cancel' | 'again' | 'edit' | 'in2'; readonly requestId: string }
  | { readonly kind: 'form'; readonly form: 'edit' | 'in2' | 'menu'; readonly id: string };

/** The text field of every prompt form. */
export const PROMPT_FIELD_ID = 'prompt';

const PREFIX = 'nb';
const MAX_CUSTOM_ID_LENGTH = 100;
const SNOWFLAKE = /^\d{1,25}$/;

export function customIdOf(id: CustomId): string {
  const text = id.kind === 'form' ? `${PREFIX}:form:${id.form}:${id.id}` : `${PREFIX}:${id.kind}:${id.requestId}`;
  if (text.length > MAX_CUSTOM_ID_LENGTH) throw new RangeError(`custom_id too long: ${text.length} characters`);
  return text;
}

/** What a custom_id asks for; null for ids we never made (another bot version, a forgery). */
export function parseCustomId(text: string): CustomId | null {
  const parts = text.split(':');
  if (parts[0] !== PREFIX) return null;
  if (parts.length === 3) {
    const [, kind, requestId] = parts as [string, string, string];
    if ((kind === 'cancel' || kind === 'again' || kind === 'edit' || kind === 'in2') && SNOWFLAKE.test(requestId)) return { kind, requestId };
    return null;
  }
  if (parts.length === 4 && parts[1] === 'form') {
    const [, , form, id] = parts as [string, string, string, string];
    if ((form === 'edit' || form === 'in2' || form === 'menu') && SNOWFLAKE.test(id)) return { kind: 'form', form, id };
  }
  return null;
}
