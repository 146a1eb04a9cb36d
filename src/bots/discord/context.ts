import { AttachmentBuilder, type ChatInputCommandInteraction, type InteractionEditReplyOptions } from 'discord.js';
import type { CommandContext } from '../../commands/context.ts';
import { BotError } from '../../core/errors.ts';
import { extensionOf, type ImageData } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { describeDiscordError, discordFailure } from './errors.ts';
import { ReplyEditor } from './reply-editor.ts';

/** Discord's default per-file upload limit, used when an interaction does not say its own. */
export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;
/** Files per message (Discord API: attachments maxItems 10). */
const MAX_FILES_PER_MESSAGE = 10;
/** Content length of webhook and interaction messages. */
const MAX_CONTENT_LENGTH = 2000;

export interface InteractionContextOptions {
  readonly logger: Logger;
  /** Minimum gap between two progress edits of the reply. */
  readonly statusIntervalMs: number;
}

/** A CommandContext plus what the adapter itself needs to know after the command returned. */
export interface InteractionContext extends CommandContext {
  /** True once the command sent its final word (result or text). */
  readonly finalised: boolean;
}

/**
 * The CommandContext of one deferred chat input interaction: every message of the command is an edit
 * of the deferred reply. The interaction token never appears in what this throws or logs.
 */
export function createInteractionContext(interaction: ChatInputCommandInteraction, options: InteractionContextOptions): InteractionContext {
  const secrets = [interaction.token, interaction.client.token ?? undefined];
  const log = options.logger.child({ requestId: interaction.id, command: interaction.commandName });
  const editor = new ReplyEditor<InteractionEditReplyOptions>({
    edit: (payload) => interaction.editReply(payload),
    statusPayload: (text) => ({ content: clip(text) }),
    minIntervalMs: options.statusIntervalMs,
    onStatusError: (error) => log.warn({ discord: describeDiscordError(error, secrets) }, 'status edit failed'),
  });

  async function finalEdit(payload: InteractionEditReplyOptions, what: string): Promise<void> {
    try {
      await editor.final(payload);
    } catch (error) {
      throw discordFailure(error, what, secrets);
    }
  }

  return {
    platform: 'discord',
    requestId: interaction.id,
    userId: interaction.user.id,
    communityId: interaction.guildId ?? null,
    locale: interaction.locale,
    get finalised() {
      return editor.finalised;
    },
    status(text: string): Promise<void> {
      editor.status(text);
      return Promise.resolve();
    },
    async deliver(images: readonly ImageData[], caption: string): Promise<number> {
      const limit = sizeLimitOf(interaction);
      const plan = planUpload(images, limit);
      if (plan.files.length === 0) {
        throw new BotError('DELIVERY_FAILED', `none of ${images.length} result(s) fit Discord's upload limit of ${limit} bytes`, {
          userDetail: `The result is larger than Discord's upload limit here (${formatMiB(limit)}).`,
        });
      }
      const note = plan.omitted > 0 ? `\n(${plan.omitted} of ${images.length} images left out: larger than Discord's upload limit here, ${formatMiB(limit)}.)` : '';
      const content = clip(caption, MAX_CONTENT_LENGTH - note.length) + note;
      await finalEdit({ content, files: plan.files, attachments: [] }, 'result upload');
      return plan.files.length;
    },
    async finish(text: string): Promise<void> {
      await finalEdit({ content: clip(text), files: [], attachments: [] }, 'final reply edit');
    },
    formatInstant: relativeTimestamp,
  };
}

/**
 * A Discord timestamp in relative style (`<t:1763769600:R>`): every client renders it in its own
 * language and time zone ("in 3 hours") and keeps it current, which no text we write could do.
 */
export function relativeTimestamp(at: Date): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:R>`;
}

interface UploadPlan {
  readonly files: AttachmentBuilder[];
  readonly omitted: number;
}

/** Keeps the images that fit the per-file limit, in order, at most ten. */
export function planUpload(images: readonly ImageData[], limitBytes: number): UploadPlan {
  const files: AttachmentBuilder[] = [];
  let omitted = 0;
  for (const image of images) {
    if (image.bytes.length > limitBytes || files.length >= MAX_FILES_PER_MESSAGE) {
      omitted++;
      continue;
    }
    files.push(new AttachmentBuilder(image.bytes, { name: `result-${files.length + 1}.${extensionOf(image.mime)}` }));
  }
  return { files, omitted };
}

function sizeLimitOf(interaction: ChatInputCommandInteraction): number {
  const limit: unknown = interaction.attachmentSizeLimit;
  return typeof limit === 'number' && Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_ATTACHMENT_SIZE_LIMIT;
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

function clip(text: string, max = MAX_CONTENT_LENGTH): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}
