import { catalogueFor, errorMessage } from '../core/messages.ts';
import { toBotError } from '../core/errors.ts';
import type { Commands } from './commands.ts';
import type { CommandContext } from './context.ts';
import type { CommandDeps } from './deps.ts';
import type { ModerationRequest, ModeratorContext } from './moderation-context.ts';
import { jobIdOf, runGeneration } from './edit.ts';
import { runModeration } from './moderation.ts';
import { resumeJobs } from './resume.ts';
import { momentFor } from './moment.ts';
import { subjectOf } from './subject.ts';

/**
 * The commands over the core. Any unexpected error ends with a message to the user (never silence)
 * and a log line; it never escapes into the adapter.
 */
export function createCommands(deps: CommandDeps): Commands {
  const guarded =
    <C extends CommandContext, A extends unknown[]>(name: string, body: (ctx: C, ...args: A) => Promise<void>) =>
    async (ctx: C, ...args: A): Promise<void> => {
      try {
        await body(ctx, ...args);
      } catch (thrown) {
        const error = toBotError(thrown);
        deps.logger.error({ command: name, code: error.code, err: error.message }, 'command failed');
        try {
          await ctx.finish(errorMessage(error.code, error.userDetail, ctx.locale));
        } catch (renderError) {
          deps.logger.warn({ command: name, err: toBotError(renderError).message }, 'could not tell the user');
        }
      }
    };
  return {
    edit: guarded('edit', (ctx, args) => runGeneration(deps, ctx, 'edit', args)),
    imagine: guarded('imagine', (ctx, args) => runGeneration(deps, ctx, 'imagine', { ...args, images: [] })),
    quota: guarded('quota', async (ctx) => {
      const quota = await deps.ledger.status(subjectOf(ctx));
      await ctx.finish(catalogueFor(ctx.locale).quota(quota, momentFor(ctx, quota.resetsAt, quota.timeZone)));
    }),
    moderate: guarded('moderate', (ctx: ModeratorContext, request: ModerationRequest) => runModeration(deps, ctx, request)),
    cancel: (platform, requestId, userId) => deps.runner.cancel(jobIdOf(platform, requestId), userId),
    help: guarded('help', async (ctx) => ctx.finish(catalogueFor(ctx.locale).help(ctx.platform))),
    resume: async (platform, contextFor) => {
      try {
        await resumeJobs(deps, platform, contextFor);
      } catch (thrown) {
        // The store is away: the next sweep tries again.
        deps.logger.warn({ command: 'resume', err: toBotError(thrown).message }, 'could not look for stranded jobs');
      }
    },
  };
}
