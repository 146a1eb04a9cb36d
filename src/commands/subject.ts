import type { QuotaSubject } from '../core/quota/subject.ts';
import type { CommandContext } from './context.ts';

export function subjectOf(ctx: CommandContext): QuotaSubject {
  return { platform: ctx.platform, communityId: ctx.communityId, userId: ctx.userId };
}
