import { AttachmentBuilder, type RawFile } from 'discord.js';
import { extensionOf, type ImageData } from '../../core/images/image.ts';
import { fitWithin } from '../../core/images/reencode.ts';

/** Files per message (Discord API: attachments maxItems 10). */
const MAX_FILES_PER_MESSAGE = 10;

/** One image ready for upload, named `result-<n>.<ext>` in delivery order. */
export interface UploadFile {
  readonly name: string;
  readonly image: ImageData;
}

export interface UploadPlan {
  readonly files: readonly UploadFile[];
  /** Images that were over the limit and now fit as smaller JPEGs. */
  readonly reencoded: number;
  /** Images that could not be made to fit (or beyond ten files): not delivered, not charged. */
  readonly leftOut: number;
}

/**
 * Makes every image fit Discord's per-file limit: as it is when it fits, re-encoded when it does not,
 * left out when even that fails. The order is kept; at most ten files go in one message.
 */
export async function planUpload(images: readonly ImageData[], limitBytes: number): Promise<UploadPlan> {
  const files: UploadFile[] = [];
  let reencoded = 0;
  let leftOut = 0;
  for (const image of images) {
    if (files.length >= MAX_FILES_PER_MESSAGE) {
      leftOut++;
      continue;
    }
    const fitted = await fitWithin(image, limitBytes).catch(() => null);
    if (!fitted) {
      leftOut++;
      continue;
    }
    if (fitted !== image) reencoded++;
    files.push({ name: `result-${files.length + 1}.${extensionOf(fitted.mime)}`, image: fitted });
  }
  return { files, reencoded, leftOut };
}

/** For interaction edits and follow-ups (discord.js message options). */
export function attachmentsOf(files: readonly UploadFile[]): AttachmentBuilder[] {
  return files.map((file) => new AttachmentBuilder(file.image.bytes, { name: file.name }));
}

/** For channel and DM posts through the REST client. */
export function rawFilesOf(files: readonly UploadFile[]): RawFile[] {
  return files.map((file) => ({ name: file.name, data: file.image.bytes, contentType: file.image.mime }));
}

/** `10 MB`, `512 KB`: a byte limit as people read it, in the user's number format. */
export function formatLimit(bytes: number, intlLocale: string): string {
  const format = new Intl.NumberFormat(intlLocale, { maximumFractionDigits: 1 });
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${format.format(mib)} MB` : `${format.format(Math.max(bytes, 1) / 1024)} KB`;
}
