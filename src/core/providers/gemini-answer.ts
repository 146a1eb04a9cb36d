import { z } from 'zod';

/**
 * Reading a 200 answer of generateContent (reference §5). Google answers in camelCase; REST clients and
 * proxies sometimes pass snake_case through, so both spellings are accepted everywhere.
 */

const InlineData = z.object({
  mimeType: z.string().nullish(),
  mime_type: z.string().nullish(),
  data: z.string(),
});

const Part = z.object({
  text: z.string().nullish(),
  /** Gemini 3 image models show up to two interim "thinking" images before the final one [I: reference §5 has no thought parts]. */
  thought: z.boolean().nullish(),
  inlineData: InlineData.nullish(),
  inline_data: InlineData.nullish(),
});

const Candidate = z.object({
  content: z.object({ parts: z.array(Part).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  finish_reason: z.string().nullish(),
  finishMessage: z.string().nullish(),
  finish_message: z.string().nullish(),
});

const PromptFeedback = z.object({
  blockReason: z.string().nullish(),
  block_reason: z.string().nullish(),
  blockReasonMessage: z.string().nullish(),
  block_reason_message: z.string().nullish(),
});

const Answer = z.object({
  candidates: z.array(Candidate).nullish(),
  promptFeedback: PromptFeedback.nullish(),
  prompt_feedback: PromptFeedback.nullish(),
});

export interface GeminiImage {
  readonly bytes: Buffer;
  readonly contentType: string;
}

/** What one answer holds: its images and text, or why there is no image (in words for a user). */
export type GeminiOutcome =
  | { readonly kind: 'images'; readonly images: readonly GeminiImage[]; readonly text: string | undefined }
  | { readonly kind: 'no-image'; readonly reason: string };

/** Words for the finish reasons that can end a call without an image (js-genai `FinishReason`). */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  IMAGE_SAFETY: 'the image was blocked by the safety filter',
  IMAGE_PROHIBITED_CONTENT: 'the image was blocked as prohibited content',
  SAFETY: 'the answer was blocked by the safety filter',
  PROHIBITED_CONTENT: 'the request was blocked as prohibited content',
  NO_IMAGE: 'the model generated no image',
  IMAGE_RECITATION: 'the image was blocked because it resembled existing content too closely',
  IMAGE_OTHER: 'the image could not be generated',
  RECITATION: 'the answer was blocked because it resembled existing content too closely',
  BLOCKLIST: 'the request contains blocked terms',
  SPII: 'the answer was blocked because it contained personal information',
  MAX_TOKENS: 'the answer was cut off before an image was made',
};

/** How much of the model's own text a failure reason quotes. */
const MAX_QUOTED_TEXT = 200;

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUOTED_TEXT ? `${flat.slice(0, MAX_QUOTED_TEXT)}…` : flat;
}

function withDetail(reason: string, detail: string | null | undefined): string {
  return detail && detail.trim() ? `${reason}: ${short(detail)}` : reason;
}

function decodeImage(data: z.infer<typeof InlineData>): GeminiImage | undefined {
  // Buffer.from skips characters outside the alphabet; an empty result means there was no image.
  const bytes = Buffer.from(data.data, 'base64');
  if (bytes.length === 0) return undefined;
  return { bytes, contentType: data.mimeType ?? data.mime_type ?? 'image/png' };
}

/**
 * Reads a 200 answer. Returns undefined when the body is not a generateContent answer at all
 * (the caller reports PROVIDER_PROTOCOL).
 */
export function readGeminiAnswer(json: unknown): GeminiOutcome | undefined {
  const parsed = Answer.safeParse(json);
  if (!parsed.success) return undefined;
  const answer = parsed.data;
  const feedback = answer.promptFeedback ?? answer.prompt_feedback;
  // A blocked prompt has feedback and no candidates; an answer with neither is not one at all.
  if (!answer.candidates && !feedback) return undefined;
  const candidate = answer.candidates?.[0];
  const parts = candidate?.content?.parts ?? [];

  const finals: GeminiImage[] = [];
  const interim: GeminiImage[] = [];
  const texts: string[] = [];
  for (const part of parts) {
    const inline = part.inlineData ?? part.inline_data;
    if (inline) {
      const image = decodeImage(inline);
      if (image) (part.thought ? interim : finals).push(image);
    } else if (part.text && part.text.trim() && !part.thought) {
      texts.push(part.text.trim());
    }
  }
  const text = texts.length > 0 ? texts.join('\n') : undefined;
  // Interim images are drafts; only when no final one came is the last draft the best there is.
  const images = finals.length > 0 ? finals : interim.slice(-1);
  if (images.length > 0) return { kind: 'images', images, text };

  const blockReason = feedback?.blockReason ?? feedback?.block_reason;
  if (blockReason && blockReason !== 'BLOCKED_REASON_UNSPECIFIED') {
    const detail = feedback?.blockReasonMessage ?? feedback?.block_reason_message;
    return { kind: 'no-image', reason: withDetail(`the prompt was blocked (${blockReason})`, detail) };
  }
  if (!candidate) return { kind: 'no-image', reason: 'the model returned no answer' };

  const finishReason = candidate.finishReason ?? candidate.finish_reason;
  const finishMessage = candidate.finishMessage ?? candidate.finish_message;
  if (finishReason && finishReason !== 'STOP' && finishReason !== 'FINISH_REASON_UNSPECIFIED') {
    const words = FINISH_REASONS[finishReason] ?? 'the model stopped without an image';
    return { kind: 'no-image', reason: withDetail(`${words} (${finishReason})`, finishMessage) };
  }
  if (text) return { kind: 'no-image', reason: `the model answered with text only: ${short(text)}` };
  return { kind: 'no-image', reason: withDetail('the model generated no image', finishMessage) };
}
