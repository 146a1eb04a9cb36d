import type { RepliableInteraction } from 'discord.js';
import { z } from 'zod';
import type { DeliveryTarget } from '../../core/jobs/types.ts';
import type { ResultButtons } from './result-card.ts';

/**
 * Where a Discord request is answered, as the job record keeps it: enough to answer it again after a
 * restart, with no Interaction object, through REST alone. `token` is the interaction token, a bearer
 * credential for 15 minutes: it is stored because the record must be able to finish the job, and it
 * never reaches a log, an error or a reply.
 */
export interface DiscordTarget extends DeliveryTarget {
  readonly platform: 'discord';
  readonly applicationId: string;
  readonly interactionId: string;
  readonly token: string;
  /** When Discord created the interaction (ms since the epoch): the token dies 15 minutes later. */
  readonly createdAt: number;
  /** Null only for an interaction Discord sent without a channel. */
  readonly channelId: string | null;
  /** Null in direct messages. */
  readonly guildId: string | null;
  readonly userId: string;
  readonly locale?: string | undefined;
  /** The deferred reply is public (results are for the channel); false: it is ephemeral. */
  readonly publicReply: boolean;
  readonly resultButtons?: ResultButtons | undefined;
  /** The interaction's per-file upload limit in bytes, when Discord said it. */
  readonly attachmentSizeLimit?: number | undefined;
  /** The deferred reply's message, once an edit told us: a late delivery removes the stale progress card. */
  readonly originalMessageId?: string | undefined;
}

const snowflake = z.string().regex(/^\d{1,20}$/);

const targetSchema = z.object({
  platform: z.literal('discord'),
  applicationId: snowflake,
  interactionId: snowflake,
  token: z.string().min(1),
  createdAt: z.number().finite().nonnegative(),
  channelId: snowflake.nullable(),
  guildId: snowflake.nullable(),
  userId: snowflake,
  locale: z.string().optional(),
  publicReply: z.boolean(),
  resultButtons: z.object({ again: z.boolean(), editThis: z.boolean(), useAsInput2: z.boolean() }).optional(),
  attachmentSizeLimit: z.number().positive().optional(),
  originalMessageId: snowflake.optional(),
});

/**
 * The stored target read back: undefined when it is not a Discord target or is damaged (then the job
 * cannot be answered and is refunded). Unknown fields, from a newer or older version, are dropped.
 */
export function parseDiscordTarget(target: DeliveryTarget): DiscordTarget | undefined {
  const parsed = targetSchema.safeParse(target);
  return parsed.success ? withoutUndefined(parsed.data) : undefined;
}

export interface InteractionTargetOptions {
  readonly publicReply: boolean;
  readonly resultButtons?: ResultButtons | undefined;
}

/** The target of a live interaction, before its deferred reply is known. */
export function targetOfInteraction(interaction: RepliableInteraction, options: InteractionTargetOptions): DiscordTarget {
  const limit: unknown = interaction.attachmentSizeLimit;
  return withoutUndefined({
    platform: 'discord',
    applicationId: interaction.applicationId,
    interactionId: interaction.id,
    token: interaction.token,
    createdAt: interaction.createdTimestamp,
    channelId: interaction.channelId ?? null,
    guildId: interaction.guildId ?? null,
    userId: interaction.user.id,
    locale: interaction.locale,
    publicReply: options.publicReply,
    resultButtons: options.resultButtons,
    attachmentSizeLimit: typeof limit === 'number' && Number.isFinite(limit) && limit > 0 ? limit : undefined,
  });
}

/** The record is plain JSON: an `undefined` field would only disappear on the way through the store. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
