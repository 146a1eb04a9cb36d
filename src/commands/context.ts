import type { ImageData, ImageSource } from '../core/images/image.ts';
import type { DeliveryTarget } from '../core/jobs/types.ts';
import type { AspectRatio, OutputFormat } from '../core/providers/provider.ts';
import type { Platform } from '../core/quota/subject.ts';

/**
 * The port a chat platform adapter implements for one incoming command. Commands speak only to this;
 * they never see discord.js or grammY. Texts are plain (no platform markup).
 */
export interface CommandContext {
  readonly platform: Platform;
  /** The platform's own id for this request: Discord interaction id, Telegram `chatId:messageId`. */
  readonly requestId: string;
  readonly userId: string;
  /** Guild or group id; null in direct messages. */
  readonly communityId: string | null;
  /**
   * The user's language as the platform says it (Telegram `language_code`, Discord `interaction.locale`);
   * replies use it where a catalogue exists, English otherwise.
   */
  readonly locale?: string | undefined;
  /** Show or update the one status message of this request (Discord: the deferred reply). */
  status(text: string): Promise<void>;
  /**
   * Hand over result images with a short caption; resolves to how many images arrived. `details` is
   * for platforms that show a result card (Discord's embed); the caption alone says what matters.
   */
  deliver(images: readonly ImageData[], caption: string, details?: ResultDetails): Promise<number>;
  /** The final word when there are no images: an error, a refusal, or a plain answer (/quota, /help). */
  finish(text: string): Promise<void>;
  /**
   * How this platform shows a moment, e.g. when a quota resets. Discord: a relative timestamp
   * (`<t:1763769600:R>`), which every client renders in its own language and zone. Left out, the
   * command writes the local time in the quota's time zone (Telegram).
   */
  formatInstant?(at: Date): string;
  /**
   * Where this request is answered, as plain JSON, so that after a restart the adapter can rebuild a
   * context for it (Commands.resume). Read at every job state change. Left out: the job is not
   * resumed after a restart.
   */
  target?(): DeliveryTarget | undefined;
}

/** What a result card may show besides the caption. */
export interface ResultDetails {
  readonly prompt: string;
  readonly provider: string;
  readonly elapsedMs: number;
}

/** What the platform parsed out of `/imagine`: a prompt and the result options. */
export interface ImagineArgs {
  readonly prompt: string;
  readonly count?: number | undefined;
  readonly aspectRatio?: AspectRatio | undefined;
  readonly outputFormat?: OutputFormat | undefined;
}

/** What the platform parsed out of `/edit` (Discord options, Telegram caption and photos). */
export interface EditArgs extends ImagineArgs {
  readonly images: readonly ImageSource[];
}
