import { GrammyError, HttpError, type Api } from 'grammy';
import type { Message, PhotoSize } from 'grammy/types';
import { BotError } from '../../core/errors.ts';
import { DEFAULT_DOWNLOAD_POLICY, withConfiguredHost, type DownloadPolicy } from '../../core/http/download-policy.ts';
import { downloadBytes } from '../../core/images/download.ts';
import type { ImageSource } from '../../core/images/image.ts';

/** The image a message carries, before anything is downloaded. */
export interface ImageRef {
  readonly fileId: string;
  readonly declaredBytes?: number | undefined;
  readonly declaredWidth?: number | undefined;
  readonly declaredHeight?: number | undefined;
}

type GrammySignal = Parameters<Api['getFile']>[1];

/** Documents we accept as images: users send files to avoid Telegram's photo recompression. */
const IMAGE_DOCUMENT_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * The largest of the sizes Telegram offers, by pixel count and then bytes. The last entry is usually
 * the largest, but that ordering is a habit, not a documented guarantee.
 */
export function largestPhoto(sizes: readonly PhotoSize[]): PhotoSize | undefined {
  let best: PhotoSize | undefined;
  for (const size of sizes) {
    if (!best) {
      best = size;
      continue;
    }
    const pixels = size.width * size.height;
    const bestPixels = best.width * best.height;
    if (pixels > bestPixels || (pixels === bestPixels && (size.file_size ?? 0) > (best.file_size ?? 0))) best = size;
  }
  return best;
}

/** The photo, or the image sent as a file, of one message; null when it carries neither. */
export function imageRefOf(message: Message | undefined): ImageRef | null {
  if (!message) return null;
  if (message.photo && message.photo.length > 0) {
    const size = largestPhoto(message.photo);
    if (size) {
      return { fileId: size.file_id, declaredBytes: size.file_size, declaredWidth: size.width, declaredHeight: size.height };
    }
  }
  const document = message.document;
  if (document && IMAGE_DOCUMENT_TYPES.has(document.mime_type ?? '')) {
    return { fileId: document.file_id, declaredBytes: document.file_size };
  }
  return null;
}

/**
 * True when the message carries a file we cannot edit: a PDF, a text file, a GIF, or a file named
 * `.png` whose declared type is not an image (we go by the type Telegram reports, not the name).
 */
export function hasNonImageFile(message: Message | undefined): boolean {
  const document = message?.document;
  return document !== undefined && !IMAGE_DOCUMENT_TYPES.has(document.mime_type ?? '');
}

export interface FileLoaderOptions {
  readonly api: Api;
  readonly apiRoot: string;
  readonly token: string;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Where files may come from; the API root's host is always allowed (a local Bot API server). */
  readonly policy?: DownloadPolicy | undefined;
}

/**
 * Turns an ImageRef into an ImageSource. The file URL embeds the bot token, so it is built and used
 * only inside `load` and appears in no log line, error message or return value.
 */
export function createImageSourceFactory(options: FileLoaderOptions): (ref: ImageRef) => ImageSource {
  const { api, apiRoot, token, maxBytes, timeoutMs } = options;
  const policy = withConfiguredHost(options.policy ?? DEFAULT_DOWNLOAD_POLICY, apiRoot);
  return (ref) => ({
    declaredBytes: ref.declaredBytes,
    declaredWidth: ref.declaredWidth,
    declaredHeight: ref.declaredHeight,
    async load(signal: AbortSignal): Promise<Buffer> {
      if (ref.declaredBytes !== undefined && ref.declaredBytes > maxBytes) {
        throw new BotError('IMAGE_TOO_LARGE', `Telegram declares ${ref.declaredBytes} bytes, over ${maxBytes}`);
      }
      const filePath = await getFilePath(api, ref.fileId, signal);
      const url = `${apiRoot}/file/bot${token}/${filePath.split('/').map(encodeURIComponent).join('/')}`;
      return downloadBytes(url, { maxBytes, timeoutMs, signal, policy });
    },
  });
}

async function getFilePath(api: Api, fileId: string, signal: AbortSignal): Promise<string> {
  let file;
  try {
    // grammY types signals with its abort-controller polyfill; a native AbortSignal works the same.
    file = await api.getFile(fileId, signal as unknown as GrammySignal);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof GrammyError) {
      // The Bot API refuses downloads over 20 MB with "Bad Request: file is too big".
      const code = /too big/i.test(error.description) ? 'IMAGE_TOO_LARGE' : 'DOWNLOAD_FAILED';
      throw new BotError(code, `Telegram getFile failed (${error.error_code}: ${error.description})`);
    }
    // HttpError carries grammY's underlying fetch error, whose message holds the token: drop it.
    throw new BotError('DOWNLOAD_FAILED', error instanceof HttpError ? error.message : 'Telegram getFile failed');
  }
  if (!file.file_path) throw new BotError('DOWNLOAD_FAILED', 'Telegram getFile returned no file_path');
  return file.file_path;
}
