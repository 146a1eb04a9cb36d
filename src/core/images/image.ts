/** An image held in memory once, as a Buffer, with the facts read from its header. */
export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ImageData {
  readonly bytes: Buffer;
  readonly mime: ImageMime;
  readonly width: number;
  readonly height: number;
}

export function extensionOf(mime: ImageMime): string {
  return mime === 'image/jpeg' ? 'jpg' : mime === 'image/png' ? 'png' : 'webp';
}

/**
 * Where an input image comes from. Adapters supply a loader that downloads it with the platform's
 * credentials (a Telegram file URL holds the bot token, so the URL stays inside the loader).
 * `declaredBytes` lets the core refuse an oversize file before downloading it.
 */
export interface ImageSource {
  readonly declaredBytes?: number | undefined;
  readonly declaredWidth?: number | undefined;
  readonly declaredHeight?: number | undefined;
  /**
   * A public URL serving the same bytes and holding no secret (a Discord attachment), which providers
   * that take URLs may fetch themselves. Never set for a Telegram file: its URL contains the bot token.
   */
  readonly publicUrl?: string | undefined;
  load(signal: AbortSignal): Promise<Buffer>;
}
