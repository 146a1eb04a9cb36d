import type { ImageData } from '../images/image.ts';

export const ASPECT_RATIOS = ['21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const MAX_IMAGES_PER_JOB = 4;

/** The normalised request every provider maps to its own fields. */
export interface EditInput {
  readonly prompt: string;
  /** Empty for text-to-image. */
  readonly images: readonly ImageData[];
  /** 1 to 4. */
  readonly count: number;
  /** Undefined: the provider's default (for edits, the input image's ratio). */
  readonly aspectRatio?: AspectRatio | undefined;
  readonly outputFormat: OutputFormat;
}

/**
 * What a provider returns on submit. It is persisted with the job so that a restarted process can
 * resume polling; it must therefore be plain JSON and must not hold secrets.
 */
export interface Submission {
  readonly provider: string;
  readonly requestId: string;
  /** Provider-specific follow-up URLs (fal returns status, response and cancel URLs). */
  readonly urls?: Readonly<Record<string, string>>;
}

export type ProviderStatus =
  | { readonly state: 'queued'; readonly position?: number | undefined }
  | { readonly state: 'running' }
  | { readonly state: 'completed' }
  | { readonly state: 'failed'; readonly reason: string };

/** A result image: a URL to download with the guards, or bytes a synchronous provider returned inline. */
export type ResultImage =
  | { readonly url: string; readonly contentType?: string | undefined }
  | { readonly bytes: Buffer; readonly contentType?: string | undefined };

export interface ProviderResult {
  readonly images: readonly ResultImage[];
  readonly description?: string | undefined;
}

/**
 * One interface for every provider. Methods throw `BotError`:
 * PROVIDER_REJECTED (input refused, nothing spent), PROVIDER_UNAVAILABLE (down; try the next provider
 * if it happened on submit), PROVIDER_FAILED (accepted, then failed), PROVIDER_PROTOCOL.
 */
export interface Provider {
  readonly name: string;
  /** Reasons this provider cannot run the input, checked before any money is spent; null when it can. */
  check(input: EditInput): string | null;
  submit(input: EditInput, signal: AbortSignal): Promise<Submission>;
  status(submission: Submission, signal: AbortSignal): Promise<ProviderStatus>;
  /** The final output; throws PROVIDER_FAILED when the request ended in an error. */
  result(submission: Submission, signal: AbortSignal): Promise<ProviderResult>;
  /** Best effort: never throws. */
  cancel(submission: Submission): Promise<void>;
}
