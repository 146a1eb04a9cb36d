import type { Attachment, ChatInputCommandInteraction, Message } from 'discord.js';
import type { EditArgs, ImagineArgs } from '../../commands/context.ts';
import { EDIT_SPEC, MAX_INPUT_IMAGES } from '../../commands/specs.ts';
import { BotError, isBotError } from '../../core/errors.ts';
import type { DownloadPolicy } from '../../core/http/download-policy.ts';
import { downloadBytes } from '../../core/images/download.ts';
import type { ImageSource } from '../../core/images/image.ts';
import type { AspectRatio, OutputFormat } from '../../core/providers/provider.ts';

export interface DownloadLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Which hosts attachments may come from (Discord's CDN, the configured API base). */
  readonly policy?: DownloadPolicy | undefined;
}

/**
 * An image on Discord as the API describes it (an attachment, or an embed image through Discord's
 * media proxy): plain data, so it can be stored in a recipe and used again later.
 */
export interface AttachmentRef {
  readonly url: string;
  readonly size?: number | undefined;
  readonly contentType?: string | undefined;
  readonly width?: number | undefined;
  readonly height?: number | undefined;
}

/** The image options of /edit (`image`, `image2`, …) in the order the spec lists them. */
const IMAGE_OPTION_NAMES = EDIT_SPEC.options.filter((option) => option.kind === 'image').map((option) => option.name);

/** The aspect_ratio choice that leaves the shape to the model (like the input, or square). */
const AUTO_ASPECT_RATIO = 'auto';

export function refOf(attachment: Attachment): AttachmentRef {
  return {
    url: attachment.url,
    size: attachment.size,
    contentType: attachment.contentType ?? undefined,
    width: attachment.width ?? undefined,
    height: attachment.height ?? undefined,
  };
}

/**
 * An attachment as an ImageSource. The declared size and dimensions let the core refuse an oversize
 * file before anything is downloaded; a declared non-image type is refused in `load` the same way a
 * wrong signature is, so the core reports both alike. Attachment URLs are signed and expire: when a
 * stored one no longer downloads, `whenUnavailable` is what the user is told (Again on an old result).
 */
export function attachmentSource(ref: AttachmentRef, limits: DownloadLimits, whenUnavailable?: string): ImageSource {
  const { url, contentType } = ref;
  return {
    declaredBytes: ref.size,
    declaredWidth: ref.width,
    declaredHeight: ref.height,
    // Discord's CDN URL is public and signed by Discord, not by us: it holds none of our secrets.
    publicUrl: url,
    async load(signal: AbortSignal): Promise<Buffer> {
      if (contentType && !isImageType(contentType)) {
        throw new BotError('IMAGE_UNSUPPORTED', `attachment declared as ${contentType.split(';')[0]}`);
      }
      try {
        return await downloadBytes(url, { maxBytes: limits.maxBytes, timeoutMs: limits.timeoutMs, policy: limits.policy, signal, maxRedirects: 3 });
      } catch (error) {
        if (whenUnavailable === undefined || !isBotError(error) || error.code !== 'DOWNLOAD_FAILED') throw error;
        throw new BotError('DOWNLOAD_FAILED', `stored input no longer downloads: ${error.message}`, { userDetail: whenUnavailable });
      }
    },
  };
}

/**
 * The images of a message, for the message menu command and the buttons on a result: image
 * attachments first, then embed images. Embed images are taken only through Discord's media proxy
 * (`proxy_url`): their own URL can point anywhere, and fetching it would let anyone make the bot
 * request an address of their choosing.
 */
export function imageRefsOf(message: Message, max = MAX_INPUT_IMAGES): AttachmentRef[] {
  const refs: AttachmentRef[] = [];
  for (const attachment of message.attachments.values()) {
    const declared = attachment.contentType;
    if (declared ? isImageType(declared) : attachment.width !== null) refs.push(refOf(attachment));
  }
  for (const embed of message.embeds) {
    const image = embed.image ?? embed.thumbnail;
    // An embed may show one of the message's own attachments (`attachment://…`): that one is in already.
    if (!image?.proxyURL || message.attachments.some((attachment) => attachment.url === image.url)) continue;
    refs.push({ url: image.proxyURL, width: image.width ?? undefined, height: image.height ?? undefined });
  }
  return refs.slice(0, max);
}

/** The attachments given to /edit's image options, in option order. */
export function editAttachmentsOf(interaction: ChatInputCommandInteraction): AttachmentRef[] {
  const refs: AttachmentRef[] = [];
  for (const name of IMAGE_OPTION_NAMES) {
    const attachment = interaction.options.getAttachment(name, false);
    if (attachment) refs.push(refOf(attachment));
  }
  return refs;
}

/**
 * Reads /edit's options. Discord validates types, choices and ranges itself; the choice values are
 * passed on as they came because the command validates them again (one place decides what is valid).
 */
export function editArgsFrom(interaction: ChatInputCommandInteraction, limits: DownloadLimits): EditArgs {
  const images = editAttachmentsOf(interaction).map((ref) => attachmentSource(ref, limits));
  return { ...imagineArgsFrom(interaction), images };
}

/** Reads /imagine's options: the prompt and the result options it shares with /edit. */
export function imagineArgsFrom(interaction: ChatInputCommandInteraction): ImagineArgs {
  const { options } = interaction;
  const ratio = options.getString('aspect_ratio', false) ?? undefined;
  return {
    prompt: options.getString('prompt', false) ?? '',
    count: options.getInteger('count', false) ?? undefined,
    // `auto` means no ratio at all: the provider keeps the input's shape (or its own default).
    aspectRatio: ratio === AUTO_ASPECT_RATIO ? undefined : (ratio as AspectRatio | undefined),
    outputFormat: (options.getString('format', false) ?? undefined) as OutputFormat | undefined,
  };
}

function isImageType(contentType: string): boolean {
  return contentType.toLowerCase().startsWith('image/');
}
