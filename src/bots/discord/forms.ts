import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData, type ModalSubmitInteraction } from 'discord.js';
import { MAX_PROMPT_LENGTH } from '../../commands/specs.ts';
import type { Logger } from '../../core/log.ts';
import { catalogueFor } from '../../core/messages.ts';
import { customIdOf, parseCustomId, PROMPT_FIELD_ID } from './custom-ids.ts';
import { answerPrivately, runGeneration, type GenerationPlan, type RouteDeps } from './deferred.ts';
import { attachmentSource, imageRefsOf, type AttachmentRef } from './inputs.ts';

/** Which request a prompt form starts: an edit of a result, the result as second input, or a message's images. */
export type FormKind = 'edit' | 'in2' | 'menu';

/** Discord caps a text input at 4000 characters, and modal titles and labels at 45. */
const MAX_TEXT_INPUT_LENGTH = 4000;
const MAX_TITLE_LENGTH = 45;

/**
 * The prompt form (modal): one paragraph field for the prompt. Its custom_id names the request or the
 * menu interaction it continues, so the answer finds what it acts on after the form comes back.
 */
export function promptForm(form: FormKind, id: string, locale: string | undefined): APIModalInteractionResponseCallbackData {
  const text = catalogueFor(locale);
  return {
    custom_id: customIdOf({ kind: 'form', form, id }),
    title: text.result.modalTitle.slice(0, MAX_TITLE_LENGTH),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: PROMPT_FIELD_ID,
            style: TextInputStyle.Paragraph,
            label: text.buttons.promptLabel.slice(0, MAX_TITLE_LENGTH),
            required: true,
            max_length: Math.min(MAX_TEXT_INPUT_LENGTH, MAX_PROMPT_LENGTH),
          },
        ],
      },
    ],
  };
}

/**
 * A submitted prompt form: runs the edit it was opened for, as a new request of whoever submitted it
 * (their own quota). What it needs that is not in memory (the recipe of Use as input #2) is read
 * after the deferral; what is (the message's images) is checked before, so a refusal stays private.
 */
export async function handleFormSubmit(interaction: ModalSubmitInteraction, deps: RouteDeps, log: Logger): Promise<void> {
  const text = catalogueFor(interaction.locale);
  const id = parseCustomId(interaction.customId);
  if (id?.kind !== 'form') return answerPrivately(interaction, log, text.buttons.gone);
  const prompt = promptOf(interaction);
  const userId = interaction.user.id;
  const edit = (inputs: readonly AttachmentRef[]): GenerationPlan => ({
    recipe: { kind: 'edit', userId, prompt, inputs },
    images: inputs.map((ref) => attachmentSource(ref, deps.limits)),
  });

  switch (id.form) {
    case 'menu': {
      const remembered = deps.menuImages.get(id.id);
      if (!remembered || remembered.userId !== userId) return answerPrivately(interaction, log, text.buttons.gone);
      deps.menuImages.delete(id.id);
      return runGeneration(interaction, deps, log, () => Promise.resolve(edit(remembered.images)));
    }
    case 'edit': {
      // The result images are read from the message the button is on: its URLs are fresh.
      const results = interaction.message ? imageRefsOf(interaction.message, 1) : [];
      if (results.length === 0) return answerPrivately(interaction, log, text.buttons.gone);
      return runGeneration(interaction, deps, log, () => Promise.resolve(edit(results)));
    }
    case 'in2': {
      const result = interaction.message ? imageRefsOf(interaction.message, 1)[0] : undefined;
      if (!result) return answerPrivately(interaction, log, text.buttons.gone);
      return runGeneration(interaction, deps, log, async () => {
        const original = await deps.recipes.load(id.id);
        const first = original?.kind === 'edit' ? original.inputs[0] : undefined;
        if (!original || !first) return text.buttons.gone;
        return {
          recipe: { kind: 'edit', userId, prompt, aspectRatio: original.aspectRatio, outputFormat: original.outputFormat, inputs: [first, result] },
          images: [attachmentSource(first, deps.limits, text.result.inputsExpired()), attachmentSource(result, deps.limits)],
        };
      });
    }
  }
}

function promptOf(interaction: ModalSubmitInteraction): string {
  try {
    return interaction.fields.getTextInputValue(PROMPT_FIELD_ID);
  } catch {
    // A form without our field (another bot version): the command answers that a prompt is needed.
    return '';
  }
}
