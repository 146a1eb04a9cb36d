import type { Message } from 'grammy/types';
import { MAX_INPUT_IMAGES } from '../../commands/specs.ts';
import type { Catalogue } from '../../core/i18n/catalogue.ts';
import { DEFAULT_IMAGE_LIMITS } from '../../core/images/inspect.ts';
import { catalogueFor } from '../../core/messages.ts';
import { isAnonymousGroupAdmin } from './admins.ts';
import { hasNonImageFile, imageRefOf, type ImageRef } from './inputs.ts';
import { moderatorActionOf, parseModeratorCommand, type ModeratorCommandText } from './moderation-parse.ts';
import { parsePromptOptions, type PromptOptions } from './options.ts';
import { mentionsBot, parseCommand, stripMentions, type ParsedCommand } from './parse.ts';

/** What one incoming message (or album) asks for. Deciding this is pure; acting on it is the handler's job. */
export type Route =
  /** `images` in album order; at least one, at most MAX_INPUT_IMAGES, none declared over the download limit. */
  | { readonly kind: 'edit'; readonly options: PromptOptions; readonly images: readonly ImageRef[] }
  | { readonly kind: 'imagine'; readonly options: PromptOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'quota' }
  /** `/quota_…`: a moderator command; whether the sender may use it is the command's decision. */
  | { readonly kind: 'moderate'; readonly command: ModeratorCommandText }
  /** A free explanation (usage, missing caption, a refused file): no command runs, nothing is charged. */
  | { readonly kind: 'reply'; readonly text: string }
  | { readonly kind: 'ignore' };

export interface RouteOptions {
  readonly botUsername: string;
  /** Largest file we can download: 20 MiB on the cloud Bot API, more through a local Bot API server. */
  readonly maxImageBytes?: number | undefined;
  /** The images of the remembered album a message belongs to, so a reply to any item edits them all. */
  readonly albumImages?: ((chatId: number, messageId: number) => readonly ImageRef[] | undefined) | undefined;
}

/** The pictures a message (or an album) offers for editing. */
interface Input {
  readonly images: readonly ImageRef[];
  /** A file that is no image we can edit (a PDF, a GIF…): such a request is refused as a whole. */
  readonly nonImage: boolean;
}

const IGNORE: Route = { kind: 'ignore' };

/**
 * Private chats: a photo (or image file) with a caption is an edit; the caption is the prompt, and
 * plain text replying to an image edits that image. Groups: only a caption or reply that starts with
 * /edit or mentions the bot, so ordinary photos shared in a group never cost anyone anything.
 * Anywhere: `/edit <prompt>` replying to an image (or an album item: the whole album), and the
 * moderator commands (`/quota_grant 5` replying to a member), which the command refuses to non-admins.
 *
 * Album items are not routed one by one: the handler gathers them and calls `routeAlbum`.
 */
export function routeMessage(message: Message, options: RouteOptions): Route {
  return routeWith(message, options, inputOf([message]));
}

/**
 * One album, gathered: routed as its captioned item (the first one when several have captions),
 * carrying every item's image. `anchor` is the message the answers reply to.
 */
export function routeAlbum(items: readonly Message[], options: RouteOptions): { route: Route; anchor: Message } {
  const sorted = [...items].sort((a, b) => a.message_id - b.message_id);
  const anchor = sorted.find((item) => (item.caption ?? '').trim() !== '') ?? sorted[0];
  if (!anchor) return { route: IGNORE, anchor: items[0]! };
  return { route: routeWith(anchor, options, inputOf(sorted)), anchor };
}

function routeWith(message: Message, options: RouteOptions, own: Input): Route {
  const { botUsername } = options;
  const chatType = message.chat.type;
  if (chatType !== 'private' && chatType !== 'group' && chatType !== 'supergroup') return IGNORE;
  const text = message.text ?? message.caption ?? '';
  // The group's anonymous admin may moderate it; for anything else there is no user to charge.
  if (isAnonymousGroupAdmin(message)) return moderatorRoute(parseCommand(text, botUsername), message) ?? IGNORE;
  // Other bots, and channels speaking in the group (their `from` is a placeholder bot), are no users.
  if (!message.from || message.from.is_bot) return IGNORE;
  const isPrivate = chatType === 'private';
  // Refusals and hints are in the sender's language.
  const say = catalogueFor(message.from.language_code);

  const command = parseCommand(text, botUsername);
  if (command) return command.forUs ? routeCommand(command, message, own, options, isPrivate, say) : IGNORE;

  const addressed = isPrivate || mentionsBot(text, botUsername);
  if (hasInput(own)) {
    if (!addressed) return IGNORE;
    const prompt = stripMentions(text, botUsername);
    if (prompt) return editRoute(prompt, own, options, say);
    if (!isPrivate) return { kind: 'reply', text: say.chat.editUsage(botUsername, true) };
    return { kind: 'reply', text: own.nonImage ? say.chat.notAnImage() : say.chat.needCaption() };
  }
  // Plain text replying to an image: in private it is the prompt; in a group only when it names the bot.
  const replied = repliedInput(message, options);
  if (replied && addressed) {
    const prompt = stripMentions(text, botUsername);
    return prompt ? editRoute(prompt, replied, options, say) : { kind: 'reply', text: say.chat.editUsage(botUsername, !isPrivate) };
  }
  return isPrivate ? { kind: 'reply', text: say.chat.privateHint() } : IGNORE;
}

function routeCommand(command: ParsedCommand, message: Message, own: Input, options: RouteOptions, isPrivate: boolean, say: Catalogue): Route {
  const moderate = moderatorRoute(command, message);
  if (moderate) return moderate;
  const { botUsername } = options;
  switch (command.name) {
    case 'start':
    case 'help':
      return { kind: 'help' };
    case 'quota':
      return { kind: 'quota' };
    case 'edit': {
      const input = hasInput(own) ? own : repliedInput(message, options);
      const prompt = stripMentions(command.rest, botUsername);
      if (!input || !prompt) return { kind: 'reply', text: say.chat.editUsage(botUsername, !isPrivate) };
      return editRoute(prompt, input, options, say);
    }
    case 'imagine': {
      const prompt = stripMentions(command.rest, botUsername);
      if (!prompt) return { kind: 'reply', text: say.chat.imagineUsage() };
      return withOptions(prompt, say, (parsed) => ({ kind: 'imagine', options: parsed }));
    }
    default:
      // In a group an unknown command probably belongs to another bot; in private it is meant for us.
      return isPrivate ? { kind: 'reply', text: say.chat.privateHint() } : IGNORE;
  }
}

/**
 * An edit of these images, or the reason it cannot be one. Refused here, before any job, so a file we
 * could never use costs no quota and reaches no provider.
 */
function editRoute(prompt: string, input: Input, options: RouteOptions, say: Catalogue): Route {
  if (input.nonImage || input.images.length === 0) return { kind: 'reply', text: say.chat.notAnImage() };
  if (input.images.length > MAX_INPUT_IMAGES) return { kind: 'reply', text: say.chat.tooManyImages(input.images.length, MAX_INPUT_IMAGES) };
  const maxBytes = options.maxImageBytes ?? DEFAULT_IMAGE_LIMITS.maxBytes;
  // In whole megabytes, as Telegram states its limit (20 MB on the cloud Bot API).
  const megabytes = Math.floor(maxBytes / (1024 * 1024));
  if (input.images.some((image) => (image.declaredBytes ?? 0) > maxBytes)) return { kind: 'reply', text: say.chat.fileTooLarge(megabytes) };
  return withOptions(prompt, say, (parsed) => ({ kind: 'edit', options: parsed, images: input.images }));
}

function inputOf(messages: readonly Message[]): Input {
  const images: ImageRef[] = [];
  for (const message of messages) {
    const ref = imageRefOf(message);
    if (ref) images.push(ref);
  }
  return { images, nonImage: messages.some((message) => hasNonImageFile(message)) };
}

function hasInput(input: Input): boolean {
  return input.images.length > 0 || input.nonImage;
}

/** What the message replies to: a remembered album (all of it), one image, a file we can't edit, or nothing. */
function repliedInput(message: Message, options: RouteOptions): Input | null {
  const replied = message.reply_to_message;
  if (!replied) return null;
  const album = options.albumImages?.(message.chat.id, replied.message_id);
  if (album && album.length > 0) return { images: album, nonImage: false };
  const input = inputOf([replied]);
  return hasInput(input) ? input : null;
}

/** The route of a moderator command meant for us; null for any other text. */
function moderatorRoute(command: ParsedCommand | null, message: Message): Route | null {
  if (!command?.forUs) return null;
  const action = moderatorActionOf(command.name);
  return action ? { kind: 'moderate', command: parseModeratorCommand(action, command.rest, message) } : null;
}

/** The route for a prompt with its `--flags` read; a bad flag or a prompt of flags only is explained, at no cost. */
function withOptions(text: string, say: Catalogue, route: (options: PromptOptions) => Route): Route {
  const parsed = parsePromptOptions(text, say.options);
  if (!parsed.ok) return { kind: 'reply', text: parsed.problem };
  if (!parsed.value.prompt) return { kind: 'reply', text: say.chat.needPromptWithOptions() };
  return route(parsed.value);
}
