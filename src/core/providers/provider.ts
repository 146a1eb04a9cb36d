import type { ImageData } from '../images/image.ts';

export const ASPECT_RATIOS = ['21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const MAX_IMAGES_PER_JOB = 4;

/**
 * What a provider can do, declared once so the core can check a request before any money is spent
 * and adapt it where that is harmless (several submits instead of a count; another format).
 */
export interface ProviderCapabilities {
  /** Most input images one request takes. */
  readonly maxInputImages: number;
  /** Whether it generates from a prompt alone. */
  readonly textToImage: boolean;
  /** Most images one submit can ask for; 1 when the provider has no count field. */
  readonly maxImagesPerSubmit: number;
  /** Formats it can be asked for, preferred first; empty when it has no format field and picks itself. */
  readonly outputFormats: readonly OutputFormat[];
  /** Ratios it accepts. Leaving the ratio unset (the input's ratio, or the provider's default) is always allowed. */
  readonly aspectRatios: readonly AspectRatio[];
  readonly maxPromptLength: number;
  /**
   * How input images reach it: 'bytes' (data URIs or inline data built from the bytes we hold) or
   * 'url' (it fetches public URLs; the core fills `InputImage.url`).
   */
  readonly imageInput: 'bytes' | 'url';
}

/**
 * An input image as a provider receives it. `url`, set by the core for providers that take URLs, is
 * public, serves exactly these bytes and holds no secret (never a Telegram file URL).
 */
export type InputImage = ImageData & { readonly url?: string | undefined };

/** The normalised request every provider maps to its own fields. The core has checked it against the capabilities. */
export interface EditInput {
  readonly prompt: string;
  /** Empty for text-to-image. */
  readonly images: readonly InputImage[];
  /** 1 to the provider's maxImagesPerSubmit. */
  readonly count: number;
  /** Undefined: the provider's default (for edits, the input image's ratio). */
  readonly aspectRatio?: AspectRatio | undefined;
  /** Undefined only for providers without a format field (capabilities.outputFormats is empty). */
  readonly outputFormat?: OutputFormat | undefined;
}

/** Where a provider that can push completion should send it (fal webhook, nanobananaapi callBackUrl). */
export interface PushTarget {
  /** Public and unguessable: it carries a per-job token. */
  readonly callbackUrl: string;
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

/** One HTTP request to the bot's callback route, as received: verification needs the raw bytes. */
export interface CallbackRequest {
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/**
 * A callback is only a hint that a job may be finished: the core then asks the provider (status,
 * result) before trusting anything. `requestId` is the provider's id named in the callback, checked
 * against the job's own submission.
 */
export type CallbackVerdict =
  | { readonly ok: true; readonly requestId: string }
  | { readonly ok: false; readonly reason: string };

/**
 * One interface for every provider. Methods throw `BotError`:
 * PROVIDER_REJECTED (input refused, nothing spent), PROVIDER_UNAVAILABLE (down; try the next provider
 * if it happened on submit), PROVIDER_FAILED (accepted, then failed), PROVIDER_PROTOCOL.
 */
export interface Provider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  /**
   * Hosts its result URLs come from (download-policy patterns: `host`, `*.domain`); downloads of
   * results are allowed from these (on public addresses) and the configured base URLs only.
   * Absent or empty: results come inline, or only from the base URL's host.
   */
  readonly resultHosts?: readonly string[];
  /**
   * Starts a job. `push` is given when the bot has a public URL and the provider can call back.
   * A synchronous provider does all its work here and keeps the result until `result` is called.
   */
  submit(input: EditInput, signal: AbortSignal, push?: PushTarget): Promise<Submission>;
  status(submission: Submission, signal: AbortSignal): Promise<ProviderStatus>;
  /** The final output; throws PROVIDER_FAILED when the request ended in an error. */
  result(submission: Submission, signal: AbortSignal): Promise<ProviderResult>;
  /** Best effort: never throws. */
  cancel(submission: Submission): Promise<void>;
  /**
   * Optional: status changes pushed over one connection (fal's `status/stream`). Yields each status and
   * ends after a terminal one; ending early or throwing makes the core fall back to polling.
   */
  watch?(submission: Submission, signal: AbortSignal): AsyncIterable<ProviderStatus>;
  /** Optional, for providers that push completion: checks a callback (signature, shape). Never throws. */
  verifyCallback?(request: CallbackRequest): Promise<CallbackVerdict>;
}
