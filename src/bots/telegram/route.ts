import type { Message } from 'grammy/types';
import { imageRefOf, type ImageRef } from './inputs.ts';
import { parsePromptOptions, type PromptOptions } from './options.ts';
import { mentionsBot, parseCommand, stripMentions, type ParsedCommand } from './parse.ts';
import { editUsage, IMAGINE_USAGE, NEED_CAPTION, PRIVATE_HINT } from './texts.ts';

/** What one incoming message asks for. Deciding this is pure; acting on it is the handler's job. */
export type Route =
  | { readonly kind: 'edit'; readonly options: PromptOptions; readonly image: ImageRef }
  | { readonly kind: 'imagine'; readonly options: PromptOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'quota' }
  /** A free explanation (usage, missing caption): no command runs, nothing is charged. */
  | { readonly kind: 'reply'; readonly text: string }
  | { readonly kind: 'ignore' };

const IGNORE: Route = { kind: 'ignore' };

/**
 * Private chats: a photo (or image file) with a caption is an edit; the caption is the prompt.
 * Groups: only a caption that starts with /edit or mentions the bot, so ordinary photos shared in a
 * group never cost anyone anything. Anywhere: `/edit <prompt>` replying to a photo.
 *
 * Albums arrive as one message per item with the caption on one of them; only the captioned item is
 * used for now and the others are ignored silently.
 */
export function routeMessage(message: Message, botUsername: string): Route {
  // No `from` means an anonymous admin or a channel speaking in the group: there is no user to charge.
  if (!message.from || message.from.is_bot) return IGNORE;
  const chatType = message.chat.type;
  if (chatType !== 'private' && chatType !== 'group' && chatType !== 'supergroup') return IGNORE;
  const isPrivate = chatType === 'private';
  const text = message.text ?? message.caption ?? '';
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

/** The route for a prompt with its `--flags` read; a bad flag or a prompt of flags only is explained, at no cost. */
function withOptions(text: string, route: (options: PromptOptions) => Route): Route {
  const parsed = parsePromptOptions(text);
  if (!parsed.ok) return { kind: 'reply', text: parsed.problem };
  if (!parsed.value.prompt) return { kind: 'reply', text: 'Add a prompt as well as the options, saying what you want.' };
  return route(parsed.value);
}
