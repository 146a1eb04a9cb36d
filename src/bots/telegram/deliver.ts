import { GrammyError, InputFile, type Api } from 'grammy';
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
}

/**
 * Uploads result images as replies to the user's message: one photo with sendPhoto, several as an
 * album, and images Telegram would refuse as photos as documents (which also avoids recompression).
 * Each batch fails on its own; resolves to how many images arrived.
 */
export async function sendImages(images: readonly ImageData[], options: SendImagesOptions): Promise<number> {
  const photos = images.filter(fitsAsPhoto);
  const documents = images.filter((image) => !fitsAsPhoto(image));
  let sent = 0;
  for (const batch of chunks(photos)) {
    try {
      sent += await sendBatch(batch, 'photo', options);
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
      sent += await sendBatch(batch, 'document', options);
    } catch (error) {
      logFailure(error, 'document', batch.length, options);
    }
  }
  return sent;
}

async function sendBatch(batch: readonly ImageData[], kind: Kind, options: SendImagesOptions): Promise<number> {
  const { api, target } = options;
  const files = batch.map((image, i) => new InputFile(image.bytes, `nano-banana-${i + 1}.${extensionOf(image.mime)}`));
  const [first] = files;
  if (files.length === 1 && first) {
    if (kind === 'photo') await api.sendPhoto(target.chatId, first, replyOptions(target));
    else await api.sendDocument(target.chatId, first, replyOptions(target));
    return 1;
  }
  const media = files.map((file) => ({ type: kind, media: file }));
  // Albums are all photos or all documents: Telegram does not mix the two.
  const messages =
    kind === 'photo'
      ? await api.sendMediaGroup(target.chatId, media as { type: 'photo'; media: InputFile }[], replyOptions(target))
      : await api.sendMediaGroup(target.chatId, media as { type: 'document'; media: InputFile }[], replyOptions(target));
  return messages.length;
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
