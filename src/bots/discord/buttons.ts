import type { ButtonInteraction } from 'discord.js';
import type { Logger } from '../../core/log.ts';
import { catalogueFor } from '../../core/messages.ts';
import { parseCustomId } from './custom-ids.ts';
import { answerPrivately, runGeneration, type RouteDeps } from './deferred.ts';
import { describeDiscordError } from './errors.ts';
import { promptForm } from './forms.ts';
import { attachmentSource, imageRefsOf } from './inputs.ts';

/**
 * A button press on a progress or result card. Who may press what:
 * - Cancel and Again belong to the requester (Again spends their quota on their request).
 * - Edit this and Use as input #2 are for anyone in the channel: each starts the presser's own
 *   request, on their own quota, from a result everybody can see.
 */
export async function handleButton(interaction: ButtonInteraction, deps: RouteDeps, log: Logger): Promise<void> {
  const text = catalogueFor(interaction.locale);
  const id = parseCustomId(interaction.customId);
  if (!id || id.kind === 'form') return answerPrivately(interaction, log, text.buttons.gone);
  switch (id.kind) {
    case 'cancel': {
      const result = deps.commands.cancel('discord', id.requestId, interaction.user.id);
      if (result !== 'cancelled') return answerPrivately(interaction, log, text.cancelRefused(result));
      // The job itself turns the card into "Cancelled"; this only acknowledges the press.
      return interaction.deferUpdate().then(
        () => undefined,
        (error: unknown) => log.warn({ discord: describeDiscordError(error, [interaction.token]) }, 'could not acknowledge the cancel'),
      );
    }
    case 'again':
      return again(interaction, id.requestId, deps, log);
    case 'edit':
    case 'in2': {
      // The form must be the first response; the images are read again when it comes back.
      if (imageRefsOf(interaction.message, 1).length === 0) return answerPrivately(interaction, log, text.buttons.gone);
      try {
        await interaction.showModal(promptForm(id.kind, id.requestId, interaction.locale));
      } catch (error) {
        log.warn({ discord: describeDiscordError(error, [interaction.token]) }, 'could not open the prompt form');
      }
      return;
    }
  }
}

/**
 * Again: the same request once more, as a new request with this press's id. One per result message:
 * a double click is answered privately, never run (or charged) twice.
 */
async function again(interaction: ButtonInteraction, requestId: string, deps: RouteDeps, log: Logger): Promise<void> {
  const text = catalogueFor(interaction.locale);
  const message = interaction.message;
  // A result that answered an interaction names its requester: someone else is refused before any
  // public reply appears. The stored recipe decides for results without that (late deliveries).
  const requester = message.interactionMetadata?.user.id;
  if (requester !== undefined && requester !== interaction.user.id) return answerPrivately(interaction, log, text.buttons.notYourRequest);
  if (deps.againPressed.has(message.id)) return answerPrivately(interaction, log, text.buttons.alreadyAgain);
  deps.againPressed.set(message.id, true);
  await runGeneration(interaction, deps, log, async () => {
    const recipe = await deps.recipes.load(requestId);
    if (!recipe) return text.buttons.gone;
    if (recipe.userId !== interaction.user.id) {
      deps.againPressed.delete(message.id); // the requester may still press it
      return text.buttons.notYourRequest;
    }
    // The stored attachment URLs are signed and expire: a late Again may find them gone.
    const expired = text.result.inputsExpired();
    return { recipe: { ...recipe, userId: interaction.user.id }, images: recipe.inputs.map((ref) => attachmentSource(ref, deps.limits, expired)) };
  });
}
