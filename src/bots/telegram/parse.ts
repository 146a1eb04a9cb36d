/**
 * Text parsing for Telegram messages and captions: bot commands (`/edit`, `/edit@botname`) and
 * @mentions of the bot. Pure functions over plain strings, so they are tested without grammY.
 */

export interface ParsedCommand {
  /** Lower-cased command name without the slash. */
  readonly name: string;
  /** Everything after the command, trimmed. */
  readonly rest: string;
  /**
   * False when the command names another bot (`/edit@otherbot`): in a group several bots may share
   * command names, and Telegram sends `/cmd@name` to every bot that can read the message.
   */
  readonly forUs: boolean;
}

// Telegram command names are 1–32 characters of Latin letters, digits and underscores; usernames 5–32.
const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)/;

/** A command at the very start of the text (Telegram only treats a leading `/word` as a command). */
export function parseCommand(text: string, botUsername: string): ParsedCommand | null {
  const match = COMMAND.exec(text.trimStart());
  if (!match) return null;
  const [whole, name = '', target] = match;
  const forUs = target === undefined || target.toLowerCase() === botUsername.toLowerCase();
  return { name: name.toLowerCase(), rest: text.trimStart().slice(whole.length).trim(), forUs };
}

function mentionPattern(botUsername: string): RegExp {
  const escaped = botUsername.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`);
  // Not preceded by a word character or '@' (an e-mail address or '@@name'), not followed by one.
  return new RegExp(`(?<![\\w@])@${escaped}(?!\\w)`, 'giu');
}

export function mentionsBot(text: string, botUsername: string): boolean {
  return mentionPattern(botUsername).test(text);
}

/** Removes every @mention of the bot and tidies the whitespace left behind. */
export function stripMentions(text: string, botUsername: string): string {
  return text
    .replace(mentionPattern(botUsername), ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/^[\s,:;]+/, '')
    .trim();
}
