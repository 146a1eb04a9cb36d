import type { Attachment, ChatInputCommandInteraction } from 'discord.js';
import type { EditArgs, ImagineArgs } from '../../commands/context.ts';
import { EDIT_SPEC } from '../../commands/specs.ts';
import { BotError } from '../../core/errors.ts';
import { downloadBytes } from '../../core/images/download.ts';
import type { ImageSource } from '../../core/images/image.ts';
import type { AspectRatio, OutputFormat } from '../../core/providers/provider.ts';

export interface DownloadLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** The image options of /edit (`image`, `image2`, …) in the order the spec lists them. */
const IMAGE_OPTION_NAMES = EDIT_SPEC.options.filter((option) => option.kind === 'image').map((option) => option.name);

/**
 * An attachment option as an ImageSource. The declared size and dimensions let the core refuse an
 * oversize file before anything is downloaded; a declared non-image type is refused in `load` the same
 * way a wrong signature is, so the core reports both alike. Attachment URLs are signed and expire, so
 * the core is expected to load them right after the reply was deferred.
 */
export function attachmentSource(attachment: Attachment, limits: DownloadLimits): ImageSource {
  const { url, contentType, size, width, height } = attachment;
  return {
    declaredBytes: size,
    declaredWidth: width ?? undefined,
    declaredHeight: height ?? undefined,
    // Discord's CDN URL is public and signed by Discord, not by us: it holds none of our secrets.
    publicUrl: url,
    async load(signal: AbortSignal): Promise<Buffer> {
      if (contentType && !contentType.toLowerCase().startsWith('image/')) {
        throw new BotError('IMAGE_UNSUPPORTED', `attachment declared as ${contentType.split(';')[0]}`);
      }
      return downloadBytes(url, { maxBytes: limits.maxBytes, timeoutMs: limits.timeoutMs, signal, maxRedirects: 3 });
    },
  };
}

/**
 * Reads /edit's options. Discord validates types, choices and ranges itself; the choice values are
 * passed on as they came because the command validates them again (one place decides what is valid).
 */
export function editArgsFrom(interaction: ChatInputCommandInteraction, limits: DownloadLimits): EditArgs {
  const images: ImageSource[] = [];
  for (const name of IMAGE_OPTION_NAMES) {
    const attachment = interaction.options.getAttachment(name, false);
    if (attachment) images.push(attachmentSource(attachment, limits));
  }
  return { ...imagineArgsFrom(interaction), images };
}

/** Reads /imagine's options: the prompt and the result options it shares with /edit. */
export function imagineArgsFrom(interaction: ChatInputCommandInteraction): ImagineArgs {
  const { options } = interaction;
  return {
    prompt: options.getString('prompt', false) ?? '',
    count: options.getInteger('count', false) ?? undefined,
    aspectRatio: (options.getString('aspect_ratio', false) ?? undefined) as AspectRatio | undefined,
    outputFormat: (options.getString('format', false) ?? undefined) as OutputFormat | undefined,
  };
}
