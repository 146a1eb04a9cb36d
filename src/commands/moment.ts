import { catalogueFor } from '../core/messages.ts';
import { formatLocalTime } from '../core/quota/format.ts';
import type { CommandContext } from './context.ts';

/** A moment as this platform shows it best: the adapter's own form (Discord timestamps), else local time in the user's language. */
export function momentFor(ctx: CommandContext, at: Date, timeZone: string): string {
  return ctx.formatInstant ? ctx.formatInstant(at) : formatLocalTime(at, timeZone, catalogueFor(ctx.locale));
}
