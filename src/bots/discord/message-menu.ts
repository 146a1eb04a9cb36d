import type { MessageContextMenuCommandInteraction } from 'discord.js';
import type { Logger } from '../../core/log.ts';
import { catalogueFor } from '../../core/messages.ts';
import { describeDiscordError } from './errors.ts';
import { answerPrivately, type RouteDeps } from './deferred.ts';
import { promptForm } from './forms.ts';
import { imageRefsOf } from './inputs.ts';

/**
 * "Edit with Nano Banana" on a message: its images are remembered (by this interaction's id, in
 * memory: the form comes back within minutes or not at all) and the prompt form opens. The form must
 * be the first response, so nothing is deferred and nothing slow happens before it. A message
 * without images is refused privately; nothing is charged.
 */
export async function handleMessageMenu(interaction: MessageContextMenuCommandInteraction, deps: RouteDeps, log: Logger): Promise<void> {
  const text = catalogueFor(interaction.locale);
  const images = imageRefsOf(interaction.targetMessage);
  if (images.length === 0) return answerPrivately(interaction, log, text.result.noImagesInMessage());
  deps.menuImages.set(interaction.id, { userId: interaction.user.id, images });
  try {
    await interaction.showModal(promptForm('menu', interaction.id, interaction.locale));
  } catch (error) {
    deps.menuImages.delete(interaction.id);
    log.warn({ discord: describeDiscordError(error, [interaction.token]) }, 'could not open the prompt form');
  }
}
