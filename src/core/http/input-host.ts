import { randomBytes } from 'node:crypto';
import { extensionOf, type ImageData } from '../images/image.ts';

/** The path prefix of hosted input images on the bot's HTTP server. */
export const INPUT_PATH = '/inputs/';

/** However a job ends, its hosted inputs are gone by then: the longest job deadline plus a margin. */
const DEFAULT_MAX_AGE_MS = 30 * 60_000;

interface Hosted {
  readonly image: ImageData;
  readonly expiresAt: number;
}

/**
 * Serves a job's input images at unguessable URLs under PUBLIC_URL, for providers that only take
 * image URLs. This is how a Telegram photo reaches them: its own file URL contains the bot token and
 * must never leave the process. The bytes are those already checked; they stay only while the job runs.
 */
export class InputHost {
  private readonly base: string;
  private readonly files = new Map<string, Hosted>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(publicUrl: string, options: { maxAgeMs?: number; now?: () => number } = {}) {
    this.base = publicUrl.replace(/\/+$/, '');
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Publishes the images; returns their URLs and a function that withdraws them. */
  publish(images: readonly ImageData[]): { urls: string[]; release: () => void } {
    this.sweep();
    const names = images.map((image) => {
      const name = `${randomBytes(24).toString('base64url')}.${extensionOf(image.mime)}`;
      this.files.set(name, { image, expiresAt: this.now() + this.maxAgeMs });
      return name;
    });
    return {
      urls: names.map((name) => `${this.base}${INPUT_PATH}${name}`),
      release: () => names.forEach((name) => this.files.delete(name)),
    };
  }

  /** The image published under `name` (the path after /inputs/), if it is still there. */
  lookup(name: string): ImageData | undefined {
    const hosted = this.files.get(name);
    if (!hosted) return undefined;
    if (hosted.expiresAt <= this.now()) {
      this.files.delete(name);
      return undefined;
    }
    return hosted.image;
  }

  get size(): number {
    return this.files.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [name, hosted] of this.files) if (hosted.expiresAt <= now) this.files.delete(name);
  }
}
