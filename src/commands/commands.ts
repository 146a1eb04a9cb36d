import type { CommandContext, EditArgs, ImagineArgs } from './context.ts';

/**
 * The platform-neutral commands. Adapters translate an update or interaction into a CommandContext
 * and call one of these; the command does everything else (quota, job, messages).
 */
export interface Commands {
  /** `/edit` (Discord) or a photo with a caption (Telegram). Resolves when the request is finished. */
  edit(ctx: CommandContext, args: EditArgs): Promise<void>;
  /** `/imagine`: text-to-image, through the same quota and job lifecycle as editing. */
  imagine(ctx: CommandContext, args: ImagineArgs): Promise<void>;
  /** `/quota`: used, left and when the window resets. */
  quota(ctx: CommandContext): Promise<void>;
  /** `/start` and `/help`. */
  help(ctx: CommandContext): Promise<void>;
}
