import { errorMessage, messages } from '../core/messages.ts';
import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB, OUTPUT_FORMATS } from '../core/providers/provider.ts';
import type { JobOutcome, JobSink, ProgressEvent } from '../core/jobs/types.ts';
import type { Platform } from '../core/quota/subject.ts';
import type { CommandContext, EditArgs } from './context.ts';
import type { CommandDeps } from './deps.ts';
import { subjectOf } from './subject.ts';
import { MAX_INPUT_IMAGES, MAX_PROMPT_LENGTH } from './specs.ts';

/** `edit` changes input images; `imagine` creates from the prompt alone. Both are one job each. */
export type GenerationKind = 'edit' | 'imagine';

/**
 * `/edit` and `/imagine`: checks the request (bad input costs nothing), runs the job through the same
 * quota and lifecycle, and renders every outcome.
 */
export async function runGeneration(deps: CommandDeps, ctx: CommandContext, kind: GenerationKind, args: EditArgs): Promise<void> {
  const prompt = args.prompt.trim();
  const count = args.count ?? 1;
  const problem = validate(kind, prompt, args, count);
  if (problem) {
    await ctx.finish(problem);
    return;
  }
  await ctx.status(messages.queued());
  const sink: JobSink = {
    progress: (event) => ctx.status(progressText(kind, event)),
    deliver: (delivery) => ctx.deliver(delivery.images, messages.done(delivery.elapsedMs, delivery.quota)),
  };
  const outcome = await deps.runner.run(
    {
      id: jobIdOf(ctx.platform, ctx.requestId),
      subject: subjectOf(ctx),
      prompt,
      images: args.images,
      count,
      aspectRatio: args.aspectRatio,
      outputFormat: args.outputFormat,
    },
    sink,
  );
  const text = outcomeText(outcome);
  if (text) await ctx.finish(text);
}

/** The job id of a request: the platform's own id, so a redelivered update never runs twice. */
export function jobIdOf(platform: Platform, requestId: string): string {
  return `${platform}:${requestId}`;
}

function validate(kind: GenerationKind, prompt: string, args: EditArgs, count: number): string | null {
  if (prompt.length === 0) return kind === 'edit' ? messages.needPrompt() : messages.needImaginePrompt();
  if (prompt.length > MAX_PROMPT_LENGTH) return messages.promptTooLong(MAX_PROMPT_LENGTH);
  if (kind === 'edit' && args.images.length === 0) return messages.needImage();
  if (args.images.length > MAX_INPUT_IMAGES) return messages.tooManyImages(MAX_INPUT_IMAGES);
  if (!Number.isInteger(count) || count < 1 || count > MAX_IMAGES_PER_JOB) return messages.badCount(MAX_IMAGES_PER_JOB);
  if (args.aspectRatio !== undefined && !ASPECT_RATIOS.includes(args.aspectRatio)) return errorMessage('INPUT_INVALID');
  if (args.outputFormat !== undefined && !OUTPUT_FORMATS.includes(args.outputFormat)) return errorMessage('INPUT_INVALID');
  return null;
}

function progressText(kind: GenerationKind, event: ProgressEvent): string {
  if (event.type === 'queued') return messages.queued(event.position);
  return event.type === 'running' ? messages.running(kind) : messages.delivering();
}

/** The closing text for outcomes without images; `done` was already rendered by the delivery. */
function outcomeText(outcome: JobOutcome): string | null {
  switch (outcome.kind) {
    case 'done':
      return null;
    case 'duplicate':
      return messages.duplicate();
    case 'cancelled':
      return messages.cancelled();
    case 'blocked':
      return messages.blocked(outcome.block);
    case 'quota_exhausted':
      return messages.quotaExhausted(outcome.quota, outcome.requested);
    case 'failed':
      return errorMessage(outcome.code, outcome.userDetail);
  }
}
