import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIComponentInMessageActionRow, type APIEmbed } from 'discord.js';
import { catalogueFor } from '../../core/messages.ts';
import { customIdOf } from './custom-ids.ts';

/** The accent of the bot's cards: banana yellow. */
export const CARD_COLOUR = 0xf5c518;
/** Embed description limit. */
const MAX_DESCRIPTION_LENGTH = 4096;

/** A message's embeds and button rows, as plain API JSON: usable for an interaction edit and a channel post alike. */
export interface Card {
  readonly embeds: APIEmbed[];
  readonly components: APIActionRowComponent<APIComponentInMessageActionRow>[];
}

export interface ProgressView {
  /** The status line from the command, e.g. `Queued: 2 ahead of you…`: state and queue position. */
  readonly status: string;
  /** Since the request was made (the interaction's creation). */
  readonly elapsedMs: number;
  readonly locale: string | undefined;
  /** The request the Cancel button cancels: the interaction id. */
  readonly requestId: string;
}

/**
 * The progress card of a running request: the status and the elapsed time, with a Cancel button
 * until the result is on its way. Cancelling then would refuse anyway (the images are paid for), so
 * the button goes when the status says `delivering`.
 */
export function progressCard(view: ProgressView): Card {
  const text = catalogueFor(view.locale);
  const embed: APIEmbed = {
    color: CARD_COLOUR,
    description: clip(view.status, MAX_DESCRIPTION_LENGTH),
    fields: [{ name: text.result.elapsedLabel, value: text.result.seconds(Math.max(0, view.elapsedMs)), inline: true }],
  };
  if (view.status === text.delivering()) return { embeds: [embed], components: [] };
  const cancel = {
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    label: text.buttons.cancel,
    custom_id: customIdOf({ kind: 'cancel', requestId: view.requestId }),
  } as const;
  return { embeds: [embed], components: [{ type: ComponentType.ActionRow, components: [cancel] }] };
}

export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}
