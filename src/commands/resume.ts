import { toBotError } from '../core/errors.ts';
import type { DeliveryTarget, GenerationKind, JobRecord } from '../core/jobs/types.ts';
import type { Logger } from '../core/log.ts';
import { catalogueFor } from '../core/messages.ts';
import type { Platform } from '../core/quota/subject.ts';
import type { CommandContext } from './context.ts';
import type { CommandDeps } from './deps.ts';
import { generationSink, renderOutcome } from './edit.ts';

/**
 * Commands.resume: finishes this platform's stranded jobs through contexts the adapter rebuilds from
 * their stored targets, rendering each outcome exactly as a live request would. A job with nowhere
 * to answer (no target: made by an older version; or one the adapter cannot rebuild) is refunded
 * quietly. One job's trouble never stops the others.
 */
export async function resumeJobs(
  deps: CommandDeps,
  platform: Platform,
  contextFor: (target: DeliveryTarget) => CommandContext | undefined,
): Promise<void> {
  const records = await deps.runner.claimStranded(platform);
  await Promise.all(records.map((record) => resumeOne(deps, record, contextFor)));
}

async function resumeOne(deps: CommandDeps, record: JobRecord, contextFor: (target: DeliveryTarget) => CommandContext | undefined): Promise<void> {
  const log = deps.logger.child({ job: record.id });
  let ctx: CommandContext | undefined;
  try {
    ctx = record.target ? contextFor(record.target) : undefined;
  } catch (error) {
    log.warn({ err: toBotError(error).message }, 'could not rebuild the context of a stranded job');
  }
  try {
    if (!ctx) {
      await deps.runner.abandon(record);
      return;
    }
    const answer = ctx;
    const text = catalogueFor(answer.locale);
    const kind: GenerationKind = record.kind ?? (record.inputCount > 0 ? 'edit' : 'imagine');
    // Best effort: the status last shown may be "paused for a restart".
    await showResumed(answer, record, text.running(kind), text.delivering(), log);
    const outcome = await deps.runner.resume(record, generationSink(answer, text, kind, record.prompt), answer.target ? () => answer.target?.() : undefined);
    // Another process finished it meanwhile: it has answered already.
    if (outcome.kind === 'duplicate') return;
    await renderOutcome(answer, text, outcome);
  } catch (error) {
    log.error({ err: toBotError(error).message }, 'resuming a job failed');
  }
}

async function showResumed(ctx: CommandContext, record: JobRecord, running: string, delivering: string, log: Logger): Promise<void> {
  if (record.state === 'accepted' || record.state === 'reserved' || !record.submissions?.length) return;
  try {
    await ctx.status(record.state === 'delivering' || record.state === 'fetching' ? delivering : running);
  } catch (error) {
    log.warn({ err: toBotError(error).message }, 'could not update the status of a resumed job');
  }
}
