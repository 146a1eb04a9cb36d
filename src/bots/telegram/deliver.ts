import { GrammyError, InputFile, type Api } from 'grammy';
import type { InlineKeyboardMarkup, Message } from 'grammy/types';
import { extensionOf, type ImageData } from '../../core/images/image.ts';
import type { Logger } from '../../core/log.ts';
import { describeError } from './errors.ts';
import { replyOptions, type ReplyTarget } from './target.ts';

/** sendPhoto limits: 10 MB, width + height ≤ 10000, aspect ratio ≤ 20. Anything else goes as a file. */
const MAX_PHOTO_BYTES = 10 * 1000 * 1000;
const MAX_PHOTO_SIDES = 10_000;
const MAX_PHOTO_RATIO = 20;
/** sendMediaGroup takes 2–10 items. */
const MAX_GROUP = 10;

type Kind = 'photo' | 'document';

export function fitsAsPhoto(image: ImageData): boolean {
  const { width, height } = image;
  const ratio = Math.max(width, height) / Math.max(1, Math.min(width, height));
  return image.bytes.length <= MAX_PHOTO_BYTES && width + height <= MAX_PHOTO_SIDES && ratio <= MAX_PHOTO_RATIO;
}

export interface SendImagesOptions {
  readonly api: Api;
  readonly target: ReplyTarget;
  readonly logger: Logger;
  readonly token: string;
  /** Everything as files, with the original bytes ("Send as file"). */
  readonly asDocuments?: boolean;
  /** Buttons for a result that goes out as one single photo (an album cannot carry any). */
  readonly singlePhotoMarkup?: InlineKeyboardMarkup | undefined;
}

/** What arrived, for the summary's buttons. */
export interface DeliveryReport {
  readonly sent: number;
  /** How many went as photos, i.e. were recompressed by Telegram. */
  readonly photos: number;
  /** Whether the single-photo buttons were shown. */
  readonly photoButtons: boolean;
  readonly firstMessageId: number | undefined;
}

/**
 * Uploads result images as replies to the user's message: one photo with sendPhoto, several as an
 * album, and images Telegram would refuse as photos as documents (which also avoids recompression).
 * Each batch fails on its own; resolves to how many images arrived.
 */
export async function sendImages(images: readonly ImageData[], options: SendImagesOptions): Promise<number> {
  return (await deliverImages(images, options)).sent;
}

export async function deliverImages(images: readonly ImageData[], options: SendImagesOptions): Promise<DeliveryReport> {
  const asPhoto = (image: ImageData): boolean => !options.asDocuments && fitsAsPhoto(image);
  const photos = images.filter(asPhoto);
  const documents = images.filter((image) => !asPhoto(image));
  const markup = photos.length === 1 ? options.singlePhotoMarkup : undefined;
  let sent = 0;
  let sentPhotos = 0;
  let photoButtons = false;
  let firstMessageId: number | undefined;
  const record = (messages: readonly Message[]): number => {
    firstMessageId ??= messages[0]?.message_id;
    return messages.length;
  };
  for (const batch of chunks(photos)) {
    try {
      const count = record(await sendBatch(batch, 'photo', options, markup));
      sent += count;
      sentPhotos += count;
      photoButtons = markup !== undefined;
    } catch (error) {
      // Telegram may still refuse a photo (dimensions it dislikes, a stricter server): a file is accepted.
      if (!(error instanceof GrammyError) || (error.error_code !== 400 && error.error_code !== 413)) {
        logFailure(error, 'photo', batch.length, options);
        continue;
      }
      options.logger.info({ err: describeError(error, options.token) }, 'telegram refused photos, sending as files');
      documents.push(...batch);
    }
  }
  for (const batch of chunks(documents)) {
    try {
      sent += record(await sendBatch(batch, 'document', options));
    } catch (error) {
      logFailure(error, 'document', batch.length, options);
    }
  }
  return { sent, photos: sentPhotos, photoButtons, firstMessageId };
}

async function sendBatch(
  batch: readonly ImageData[],
  kind: Kind,
  options: SendImagesOptions,
  markup?: InlineKeyboardMarkup,
): Promise<readonly Message[]> {
  const { api, target } = options;
  const files = batch.map((image, i) => new InputFile(image.bytes, `nano-banana-${i + 1}.${extensionOf(image.mime)}`));
  const [first] = files;
  if (files.length === 1 && first) {
    const other = { ...replyOptions(target), ...(markup ? { reply_markup: markup } : {}) };
    return [kind === 'photo' ? await api.sendPhoto(target.chatId, first, other) : await api.sendDocument(target.chatId, first, other)];
  }
  const media = files.map((file) => ({ type: kind, media: file }));
  // Albums are all photos or all documents: Telegram does not mix the two.
  const messages =
    kind === 'photo'
      ? await api.sendMediaGroup(target.chatId, media as { type: 'photo'; media: InputFile }[], replyOptions(target))
      : await api.sendMediaGroup(target.chatId, media as { type: 'document'; media: InputFile }[], replyOptions(target));
  return messages;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_GROUP) out.push(items.slice(i, i + MAX_GROUP));
  return out;
}

function logFailure(error: unknown, kind: Kind, count: number, options: SendImagesOptions): void {
  options.logger.warn(
    { err: describeError(error, options.token), chatId: options.target.chatId, kind, count },
    'telegram could not send result images',
  );
}
