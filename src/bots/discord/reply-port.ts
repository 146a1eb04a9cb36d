import { MessageFlags, Routes, type REST, type RESTPatchAPIWebhookWithTokenMessageJSONBody } from 'discord.js';
import type { Card } from './progress-card.ts';
import { rawFilesOf, type UploadFile } from './result-files.ts';

/** One version of the deferred reply. */
export interface ReplyMessage {
  readonly content: string;
  readonly card?: Card | undefined;
  /** The reply's files from now on; absent: the files it has stay (a progress edit). */
  readonly files?: readonly UploadFile[] | undefined;
}

/**
 * What a request's context needs from Discord while the interaction token works: the deferred reply
 * (`@original`) and private follow-ups. Every call carries the token in its URL, so a failure must be
 * described with describeDiscordError, never logged as it is.
 */
export interface ReplyPort {
  /** Replaces the deferred reply; resolves with its message id. */
  editOriginal(message: ReplyMessage): Promise<string>;
  deleteOriginal(): Promise<void>;
  /** A message only the requester sees (ephemeral). */
  followUp(content: string): Promise<void>;
}

/**
 * The interaction webhook over the REST client: the same calls discord.js makes for editReply,
 * deleteReply and followUp, with no Interaction object, so a process that never saw the interaction
 * (a restart) answers it exactly like the one that received it. Webhook routes are authenticated by
 * the token in the URL, not by the bot token (`auth: false`).
 */
export function interactionWebhook(rest: REST, applicationId: string, token: string): ReplyPort {
  const original = Routes.webhookMessage(applicationId, token, '@original');
  return {
    async editOriginal(message: ReplyMessage): Promise<string> {
      const files = message.files;
      const body: RESTPatchAPIWebhookWithTokenMessageJSONBody = {
        content: message.content,
        embeds: message.card?.embeds ?? [],
        components: message.card?.components ?? [],
        // Captions echo user prompts: an "@everyone" in one must not ping anybody.
        allowed_mentions: { parse: [] },
        // Listing attachments replaces the old ones: the new files, and none of the "thinking" reply's.
        ...(files ? { attachments: files.map((file, id) => ({ id, filename: file.name })) } : {}),
      };
      const edited = (await rest.patch(original, { body, auth: false, ...(files?.length ? { files: rawFilesOf(files) } : {}) })) as { id: string };
      return edited.id;
    },
    async deleteOriginal(): Promise<void> {
      await rest.delete(original, { auth: false });
    },
    async followUp(content: string): Promise<void> {
      await rest.post(Routes.webhook(applicationId, token), {
        body: { content, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
        auth: false,
      });
    },
  };
}
