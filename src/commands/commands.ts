import type { CommandContext, EditArgs, ImagineArgs } from './context.ts';
import type { DeliveryTarget } from '../core/jobs/types.ts';
import type { ModerationRequest, ModeratorContext } from './moderation-context.ts';
import type { CancelResult } from '../core/jobs/runner.ts';
import type { Platform } from '../core/quota/subject.ts';

/**
 * The platform-neutral commands. Adapters translate an update or interaction into a CommandContext
 * and call one of these; the command does everything else (quota, job, messages).
 */
export interface Commands {
  /** `/edit` (Discord) or a photo with a caption (Telegram). Resolves when the request is finished. */
  edit(ctx: CommandContext, args: EditArgs): Promise<void>;
  /** `/imagine`: text-to-image, through the same quota and job lifecycle as editing. */
  imagine(ctx: CommandContext, args: ImagineArgs): Promise<void>;
  /** `/quota`: used, left, bonus credits, when the window resets, and a block if there is one. */
  quota(ctx: CommandContext): Promise<void>;
  /**
   * Discord `/quota-admin …` and Telegram `/quota_…`: checks that the sender moderates this community
   * (or is an owner), validates the numbers and the target, acts, writes the audit log, and answers.
   */
  moderate(ctx: ModeratorContext, request: ModerationRequest): Promise<void>;
  /**
   * A Cancel button: stops the request `requestId` (the same id its CommandContext had) if `userId`
   * asked for it and its results are not in hand yet; the request itself then ends with "Cancelled".
   */
  cancel(platform: Platform, requestId: string, userId: string): CancelResult;
  /** `/start` and `/help`. */
  help(ctx: CommandContext): Promise<void>;
  /**
   * Picks up this platform's unfinished jobs that no live process is running (after a crash, a deploy,
   * or a process that stopped), and finishes each through a context the adapter rebuilds from its
   * stored target: submitted jobs are followed and delivered, jobs that never reached a provider are
   * refunded and the user told. `contextFor` returns undefined for a target it cannot answer (the job
   * is then refunded). Resolves when every picked-up job has ended; safe to call repeatedly and from
   * several processes (each job is resumed by one).
   */
  resume(platform: Platform, contextFor: (target: DeliveryTarget) => CommandContext | undefined): Promise<void>;
}
