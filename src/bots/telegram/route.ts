import type { Message } from 'grammy/types';
import { isAnonymousGroupAdmin } from './admins.ts';
import { imageRefOf, type ImageRef } from './inputs.ts';
import { moderatorActionOf, parseModeratorCommand, type ModeratorCommandText } from './moderation-parse.ts';
import { parsePromptOptions, type PromptOptions } from './options.ts';
import { mentionsBot, parseCommand, stripMentions, type ParsedCommand } from './parse.ts';
import { editUsage, IMAGINE_USAGE, NEED_CAPTION, PRIVATE_HINT } from './texts.ts';

/** What one incoming message asks for. Deciding this is pure; acting on it is the handler's job. */
export type Route =
  | { readonly kind: 'edit'; readonly options: PromptOptions; readonly image: ImageRef }
  | { readonly kind: 'imagine'; readonly options: PromptOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'quota' }
  /** `/quota_…`: a moderator command; whether the sender may use it is the command's decision. */
  | { readonly kind: 'moderate'; readonly command: ModeratorCommandText }
  /** A free explanation (usage, missing caption): no command runs, nothing is charged. */
  | { readonly kind: 'reply'; readonly text: string }
  | { readonly kind: 'ignore' };

const IGNORE: Route = { kind: 'ignore' };

/**
 * Private chats: a photo (or image file) with a caption is an edit; the caption is the prompt.
 * Groups: only a caption that starts with /edit or mentions the bot, so ordinary photos shared in a
 * group never cost anyone anything. Anywhere: `/edit <prompt>` replying to a photo, and the
 * moderator commands (`/quota_grant 5` replying to a member), which the command refuses to non-admins.
 *
 * Albums arrive as one message per item with the caption on one of them; only the captioned item is
 * used for now and the others are ignored silently.
 */
export function routeMessage(message: Message, botUsername: string): Route {
  const chatType = message.chat.type;
  if (chatType !== 'private' && chatType !== 'group' && chatType !== 'supergroup') return IGNORE;
  const text = message.text ?? message.caption ?? '';
  // The group's anonymous admin may moderate it; for anything else there is no user to charge.
  if (isAnonymousGroupAdmin(message)) return moderatorRoute(parseCommand(text, botUsername), message) ?? IGNORE;
  // Other bots, and channels speaking in the group (their `from` is a placeholder bot), are no users.
  if (!message.from || message.from.is_bot) return IGNORE;
  const isPrivate = chatType === 'private';
  const image = imageRefOf(message);

  const command = parseCommand(text, botUsername);
  if (command) return command.forUs ? routeCommand(command, message, image, botUsername, isPrivate) : IGNORE;

  if (image) {
    if (!isPrivate && !mentionsBot(text, botUsername)) return IGNORE;
    const prompt = stripMentions(text, botUsername);
    if (prompt) return withOptions(prompt, (options) => ({ kind: 'edit', options, image }));
    if (message.media_group_id) return IGNORE;
    return { kind: 'reply', text: isPrivate ? NEED_CAPTION : editUsage(botUsername, true) };
  }
  return isPrivate ? { kind: 'reply', text: PRIVATE_HINT } : IGNORE;
}

function routeCommand(
  command: ParsedCommand,
  message: Message,
  ownImage: ImageRef | null,
  botUsername: string,
  isPrivate: boolean,
): Route {
  const moderate = moderatorRoute(command, message);
  if (moderate) return moderate;
  switch (command.name) {
    case 'start':
    case 'help':
      return { kind: 'help' };
    case 'quota':
      return { kind: 'quota' };
    case 'edit': {
      const image = ownImage ?? imageRefOf(message.reply_to_message);
      const prompt = stripMentions(command.rest, botUsername);
      if (!image || !prompt) return { kind: 'reply', text: editUsage(botUsername, !isPrivate) };
      return withOptions(prompt, (options) => ({ kind: 'edit', options, image }));
    }
    case 'imagine': {
      const prompt = stripMentions(command.rest, botUsername);
      if (!prompt) return { kind: 'reply', text: IMAGINE_USAGE };
      return withOptions(prompt, (options) => ({ kind: 'imagine', options }));
    }
    default:
      // In a group an unknown command probably belongs to another bot; in private it is meant for us.
      return isPrivate ? { kind: 'reply', text: PRIVATE_HINT } : IGNORE;
  }
}

/** The route of a moderator command meant for us; null for any other text. */
function moderatorRoute(command: ParsedCommand | null, message: Message): Route | null {
  if (!command?.forUs) return null;
  const action = moderatorActionOf(command.name);
  return action ? { kind: 'moderate', command: parseModeratorCommand(action, command.rest, message) } : null;
}

/** The route for a prompt with its `--flags` read; a bad flag or a prompt of flags only is explained, at no cost. */
function withOptions(text: string, route: (options: PromptOptions) => Route): Route {
  const parsed = parsePromptOptions(text);
  if (!parsed.ok) return { kind: 'reply', text: parsed.problem };
  if (!parsed.value.prompt) return { kind: 'reply', text: 'Add a prompt as well as the options, saying what you want.' };
  return route(parsed.value);
}
