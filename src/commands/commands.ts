import type { CommandContext, EditArgs, ImagineArgs } from './context.ts';
import type { ModerationRequest, ModeratorContext } from './moderation-context.ts';

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
  /** `/start` and `/help`. */
  help(ctx: CommandContext): Promise<void>;
}
