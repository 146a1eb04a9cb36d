import { ButtonStyle, ComponentType, type APIButtonComponentWithCustomId, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { ResultDetails } from '../../commands/context.ts';
import { catalogueFor } from '../../core/messages.ts';
import { customIdOf } from './custom-ids.ts';
import { CARD_COLOUR, clip, type Card } from './progress-card.ts';

/** Which buttons a result offers: each starts a new request from this one (handled in handle.ts). */
export interface ResultButtons {
  readonly again: boolean;
  readonly editThis: boolean;
  readonly useAsInput2: boolean;
}

export interface ResultView {
  /** The command's summary line (`Done in 14 s · 9 of 10 images left today.`). */
  readonly caption: string;
  readonly details?: ResultDetails | undefined;
  /** What happened to oversized images: re-encoded, left out. */
  readonly notes: readonly string[];
  readonly locale: string | undefined;
  /** The request the buttons refer to: the interaction id. */
  readonly requestId: string;
  readonly buttons?: ResultButtons | undefined;
}

/** Embed limits: description 4096, field value 1024. */
const MAX_DESCRIPTION_LENGTH = 4096;
const MAX_FIELD_LENGTH = 1024;

/**
 * The card under the result images: the summary, the prompt and who made it, and the buttons that
 * start the next request. The images themselves go as attachments next to it.
 */
export function resultCard(view: ResultView): Card {
  const text = catalogueFor(view.locale);
  // The time is in the caption already (`Done in 14 s`), so the fields hold what it does not say.
  const fields: APIEmbedField[] = [];
  if (view.details) {
    const prompt = view.details.prompt.trim();
    if (prompt) fields.push({ name: text.result.promptLabel, value: clip(prompt, MAX_FIELD_LENGTH) });
    fields.push({ name: text.result.providerLabel, value: clip(view.details.provider, MAX_FIELD_LENGTH), inline: true });
  }
  const description = [view.caption, ...view.notes].filter((line) => line.length > 0).join('\n\n');
  const embed: APIEmbed = { color: CARD_COLOUR, ...(description ? { description: clip(description, MAX_DESCRIPTION_LENGTH) } : {}), ...(fields.length ? { fields } : {}) };

  const buttons: APIButtonComponentWithCustomId[] = [];
  const button = (kind: 'again' | 'edit' | 'in2', label: string, style: ButtonStyle.Primary | ButtonStyle.Secondary): void => {
    buttons.push({ type: ComponentType.Button, style, label, custom_id: customIdOf({ kind, requestId: view.requestId }) });
  };
  if (view.buttons?.again) button('again', text.buttons.again, ButtonStyle.Primary);
  if (view.buttons?.editThis) button('edit', text.buttons.editThis, ButtonStyle.Secondary);
  if (view.buttons?.useAsInput2) button('in2', text.buttons.useAsInput2, ButtonStyle.Secondary);
  return { embeds: [embed], components: buttons.length ? [{ type: ComponentType.ActionRow, components: buttons }] : [] };
}
