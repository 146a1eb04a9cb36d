import type { Catalogue } from '../core/i18n/catalogue.ts';
import { catalogueFor, errorMessage } from '../core/messages.ts';
import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB, OUTPUT_FORMATS } from '../core/providers/provider.ts';
import type { GenerationKind, JobOutcome, JobSink, ProgressEvent } from '../core/jobs/types.ts';
import type { Platform } from '../core/quota/subject.ts';
import type { CommandContext, EditArgs } from './context.ts';
import type { CommandDeps } from './deps.ts';
import { subjectOf } from './subject.ts';
import { MAX_INPUT_IMAGES, MAX_PROMPT_LENGTH } from './specs.ts';

/** `edit` changes input images; `imagine` creates from the prompt alone. Both are one job each. */
export type { GenerationKind } from '../core/jobs/types.ts';

/**
 * `/edit` and `/imagine`: checks the request (bad input costs nothing), runs the job through the same
 * quota and lifecycle, and renders every outcome.
 */
export async function runGeneration(deps: CommandDeps, ctx: CommandContext, kind: GenerationKind, args: EditArgs): Promise<void> {
  const prompt = cleanPrompt(args.prompt);
  const count = args.count ?? 1;
  const text = catalogueFor(ctx.locale);
  const problem = validate(text, ctx.locale, kind, prompt, args, count);
  if (problem) {
    await ctx.finish(problem);
    return;
  }
  await ctx.status(text.queued());
  const outcome = await deps.runner.run(
    {
      id: jobIdOf(ctx.platform, ctx.requestId),
      subject: subjectOf(ctx),
      prompt,
      images: args.images,
      count,
      aspectRatio: args.aspectRatio,
      outputFormat: args.outputFormat,
      kind,
      target: ctx.target ? () => ctx.target?.() : undefined,
    },
    generationSink(ctx, text, kind, prompt),
  );
  await renderOutcome(ctx, text, outcome);
}

/** The job id of a request: the platform's own id, so a redelivered update never runs twice. */
export function jobIdOf(platform: Platform, requestId: string): string {
  return `${platform}:${requestId}`;
}

/** How a job shows its progress and hands over its result on this context (live or resumed). */
export function generationSink(ctx: CommandContext, text: Catalogue, kind: GenerationKind, prompt: string): JobSink {
  return {
    progress: (event) => ctx.status(progressText(text, kind, event)),
    deliver: (delivery) =>
      ctx.deliver(delivery.images, text.done(delivery.elapsedMs, delivery.quota), {
        prompt,
        provider: delivery.provider,
        elapsedMs: delivery.elapsedMs,
      }),
  };
}

/**
 * Every outcome but `done` (already rendered by the delivery) ends with a text. A job left for the
 * next start only updates its status: it is not over, and the next process finishes it.
 */
export async function renderOutcome(ctx: CommandContext, text: Catalogue, outcome: JobOutcome): Promise<void> {
  if (outcome.kind === 'suspended' && outcome.started) {
    await ctx.status(text.suspended());
    return;
  }
  const closing = outcomeText(text, ctx.locale, outcome);
  if (closing) await ctx.finish(closing);
}

/** Control characters are dropped (tabs and line breaks stay); a prompt of nothing else is empty. */
function cleanPrompt(raw: string): string {
  const cleaned = raw.replace(/[^\P{Cc}\t\n]/gu, '').trim();
  // Invisible format characters (zero-width spaces, direction marks) alone say nothing either.
  return /^[\s\p{Cf}]*$/u.test(cleaned) ? '' : cleaned;
}

function validate(text: Catalogue, locale: string | undefined, kind: GenerationKind, prompt: string, args: EditArgs, count: number): string | null {
  if (prompt.length === 0) return kind === 'edit' ? text.needPrompt() : text.needImaginePrompt();
  if (prompt.length > MAX_PROMPT_LENGTH) return text.promptTooLong(MAX_PROMPT_LENGTH);
  if (kind === 'edit' && args.images.length === 0) return text.needImage();
  if (args.images.length > MAX_INPUT_IMAGES) return text.tooManyImages(MAX_INPUT_IMAGES);
  if (!Number.isInteger(count) || count < 1 || count > MAX_IMAGES_PER_JOB) return text.badCount(MAX_IMAGES_PER_JOB);
  if (args.aspectRatio !== undefined && !ASPECT_RATIOS.includes(args.aspectRatio)) return errorMessage('INPUT_INVALID', undefined, locale);
  if (args.outputFormat !== undefined && !OUTPUT_FORMATS.includes(args.outputFormat)) return errorMessage('INPUT_INVALID', undefined, locale);
  return null;
}

function progressText(text: Catalogue, kind: GenerationKind, event: ProgressEvent): string {
  if (event.type === 'queued') return text.queued(event.position);
  return event.type === 'running' ? text.running(kind) : text.delivering();
}

/** The closing text for outcomes without images; `done` was already rendered by the delivery. */
function outcomeText(text: Catalogue, locale: string | undefined, outcome: JobOutcome): string | null {
  switch (outcome.kind) {
    case 'done':
      return null;
    case 'duplicate':
      return text.duplicate();
    case 'cancelled':
      return text.cancelled();
    case 'blocked':
      return text.blocked(outcome.block);
    case 'quota_exhausted':
      return text.quotaExhausted(outcome.quota, outcome.requested);
    case 'failed':
      return errorMessage(outcome.code, outcome.userDetail, locale);
    case 'interrupted':
      return text.interrupted();
    case 'suspended':
      return outcome.started ? text.suspended() : text.restarting();
    case 'too_many_jobs':
      return text.tooManyInFlight(outcome.max);
    case 'cooling_down':
      return text.coolDown(Math.max(1, Math.ceil(outcome.waitMs / 1000)));
  }
}
