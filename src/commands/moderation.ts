import type { ModerationTexts } from '../core/i18n/sections.ts';
import { catalogueFor } from '../core/messages.ts';
import type { AuditPerson } from '../core/quota/audit.ts';
import type { QuotaScope } from '../core/quota/settings.ts';
import type { CommandDeps } from './deps.ts';
import type { ModerationRequest, ModerationTarget, ModeratorContext } from './moderation-context.ts';
import { checkLimit, checkNumber, checkTarget, cleanReason } from './moderation-input.ts';
import { AUDIT_PAGE_SIZE, MAX_BLOCK_REASON_LENGTH } from './moderation-specs.ts';
import { momentFor } from './moment.ts';

/**
 * A moderator command, from authority to answer. Authority first: owners (BOT_OWNERS) everywhere,
 * community moderators only in their own community, which is the community the command came from:
 * no request names a community, so none can reach another's ledger. In a private chat the scope is
 * the platform itself, and only owners act there. Every refusal and bad input changes nothing.
 */
export async function runModeration(deps: CommandDeps, ctx: ModeratorContext, request: ModerationRequest): Promise<void> {
  const isOwner = deps.owners.some((owner) => owner.platform === ctx.platform && owner.userId === ctx.userId);
  const texts = catalogueFor(ctx.locale).moderation;
  if (!isOwner) {
    if (ctx.communityId === null) return ctx.finish(texts.notOwnerInPrivate());
    if (!(await ctx.isCommunityModerator())) return ctx.finish(texts.notModerator());
  }
  const scope: QuotaScope = { platform: ctx.platform, communityId: ctx.communityId };
  const actor: AuditPerson = { userId: ctx.userId, name: ctx.actorName };
  return ctx.finish(await answer(deps, ctx, texts, scope, actor, request));
}

async function answer(deps: CommandDeps, ctx: ModeratorContext, texts: ModerationTexts, scope: QuotaScope, actor: AuditPerson, request: ModerationRequest): Promise<string> {
  const { admin } = deps;
  const platformWide = scope.communityId === null;
  switch (request.action) {
    case 'default': {
      const limit = checkLimit(request.limit, texts);
      if (!limit.ok) return limit.text;
      return texts.setDefault(await admin.setDefault(scope, actor, limit.value), platformWide);
    }
    case 'log':
      return readLog(deps, ctx, texts, scope, request);
    default:
      break;
  }
  const target = checkTarget(request.target, ctx.platform, texts);
  if (!target.ok) return target.text;
  const person = personOf(target.value);
  const who = person.name ?? texts.someone(person.userId);
  switch (request.action) {
    case 'show': {
      const quota = await admin.show(scope, person);
      return texts.show(who, quota, momentFor(ctx, quota.resetsAt, quota.timeZone));
    }
    case 'set': {
      const limit = checkLimit(request.limit, texts);
      if (!limit.ok) return limit.text;
      return texts.set(who, await admin.setLimit(scope, actor, person, limit.value));
    }
    case 'grant': {
      const amount = checkNumber(request.amount, { what: 'amount', min: 1 }, texts);
      if (!amount.ok) return amount.text;
      return texts.grant(who, await admin.grant(scope, actor, person, amount.value), amount.value);
    }
    case 'reset':
      return texts.reset(who, await admin.reset(scope, actor, person));
    case 'block': {
      const reason = cleanReason(request.reason, MAX_BLOCK_REASON_LENGTH);
      return texts.block(who, await admin.block(scope, actor, person, reason), platformWide);
    }
    case 'unblock':
      return texts.unblock(who, await admin.unblock(scope, actor, person), platformWide);
  }
}

async function readLog(deps: CommandDeps, ctx: ModeratorContext, texts: ModerationTexts, scope: QuotaScope, request: ModerationRequest & { action: 'log' }): Promise<string> {
  let page = 1;
  if (request.page !== undefined) {
    const checked = checkNumber(request.page, { what: 'page', min: 1 }, texts);
    if (!checked.ok) return checked.text;
    page = checked.value;
  }
  let targetUserId: string | undefined;
  if (request.target && request.target.kind !== 'missing') {
    const target = checkTarget(request.target, ctx.platform, texts);
    if (!target.ok) return target.text;
    targetUserId = target.value.userId;
  }
  const { entries, total } = await deps.admin.log(scope, page, AUDIT_PAGE_SIZE, targetUserId);
  if (entries.length === 0) return texts.logEmpty(page);
  const timeZone = deps.ledger.timeZone;
  const lines = entries.map((entry) => texts.logLine(entry, momentFor(ctx, new Date(entry.at), timeZone)));
  return texts.logPage(lines, page, Math.ceil(total / AUDIT_PAGE_SIZE));
}

/** A number where `default` makes no sense (amounts, pages). */
function personOf(target: ModerationTarget): AuditPerson {
  return target.name === undefined ? { userId: target.userId } : { userId: target.userId, name: target.name };
}
