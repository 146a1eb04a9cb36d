import type { Change } from '../quota/admin.ts';
import type { AuditEntry } from '../quota/audit.ts';
import type { QuotaView } from '../quota/ledger.ts';
import type { Platform } from '../quota/subject.ts';

/**
 * How to ask: the answers a chat adapter gives on its own before any command runs (a photo with no
 * caption, a file that is not an image, an album that was already taken). They cost nothing.
 * Worded for chats where a request is a message with a caption or a reply, as on Telegram.
 */
export interface ChatTexts {
  /** A photo with no caption, in a private chat. */
  needCaption(): string;
  /** `/edit` with no image or no prompt; `inGroup` adds how to address the bot there. */
  editUsage(botUsername: string, inGroup: boolean): string;
  /** Text in a private chat that asks for nothing we know. */
  privateHint(): string;
  /** `/imagine` with no description. */
  imagineUsage(): string;
  /** Options but no words to go with them. */
  needPromptWithOptions(): string;
  notAnImage(): string;
  /** A file over the download limit, in whole megabytes. */
  fileTooLarge(megabytes: number): string;
  /** More images than one request takes; `count` is how many were sent. */
  tooManyImages(count: number, max: number): string;
  /** The first late item of an album whose request had already started with `count` images. */
  albumTakenLate(count: number): string;
  /** A command, button or form made by an older version of the bot that this one no longer knows. */
  commandGone(): string;
}

/** The words on buttons and the short answers to pressing them (at most 200 characters). */
export interface ButtonTexts {
  readonly cancel: string;
  readonly sendAsFile: string;
  readonly sendAsFiles: string;
  readonly again: string;
  readonly editAgain: string;
  /** Discord: a modal asking for a new prompt, using the result as input. */
  readonly editThis: string;
  /** Discord: the result as the second input of a new edit. */
  readonly useAsInput2: string;
  /** The prompt field of a modal and the placeholder of a reply field. */
  readonly promptLabel: string;
  readonly cancelling: string;
  /** A button whose request is too old or unknown. */
  readonly gone: string;
  readonly notYourRequest: string;
  /** Again pressed twice on the same result. */
  readonly alreadyAgain: string;
  /** After Edit again: how to say what to change; in a group it names the user when it can. */
  editAgainPrompt(isPrivate: boolean, username: string | undefined): string;
}

/** Options written in the text (`--n 2 --ar 16:9 --png`) and what is wrong with them. */
export interface OptionTexts {
  /** One line listing the options, appended to every problem. */
  help(maxCount: number): string;
  badCount(flag: string, max: number): string;
  badRatio(flag: string, ratios: readonly string[]): string;
  badFormat(flag: string): string;
  unknownOption(flag: string): string;
}

/** A number a moderator typed, by what it is. */
export type ModerationNumber = 'limit' | 'amount' | 'page';

/**
 * Moderator commands. Refusals mean nothing changed; answers say what did, with the value before
 * and after. `who` names the member as the platform shows them.
 */
export interface ModerationTexts {
  notModerator(): string;
  notOwnerInPrivate(): string;
  missingTarget(platform: Platform): string;
  unknownTarget(text: string): string;
  targetIsBot(): string;
  badNumber(what: ModerationNumber, min: number, max: number): string;
  missingNumber(what: ModerationNumber): string;
  /** A member we know only by id. */
  someone(userId: string): string;
  show(who: string, quota: QuotaView, resets: string): string;
  set(who: string, change: Change): string;
  grant(who: string, change: Change, amount: number): string;
  reset(who: string, change: Change): string;
  block(who: string, change: Change, platformWide: boolean): string;
  unblock(who: string, change: Change, platformWide: boolean): string;
  setDefault(change: Change, platformWide: boolean): string;
  logEmpty(page: number): string;
  logPage(lines: readonly string[], page: number, pages: number): string;
  logLine(entry: AuditEntry, when: string): string;
}


/**
 * The progress and result views of platforms that show them as cards (Discord embeds), and the ways a
 * result still reaches its requester when the original reply can no longer be edited.
 */
export interface ResultTexts {
  /** Field labels of the progress and result cards. */
  readonly promptLabel: string;
  readonly elapsedLabel: string;
  readonly providerLabel: string;
  /** `12 s`, `3.4 s`: elapsed time as a field value. */
  seconds(ms: number): string;
  /** Some results were too large to upload and went as smaller JPEGs. */
  reencoded(count: number, limit: string): string;
  /** Results that could not be uploaded even re-encoded; the quota was not charged for them. */
  leftOut(count: number, total: number, limit: string): string;
  /** Posted in the channel (or by DM) when the reply's token had expired; `mention` pings the requester. */
  lateDelivery(mention: string): string;
  /** Title of the prompt form (modal) of the message menu command and of Edit this / Use as input #2. */
  readonly modalTitle: string;
  /** The message menu command on a message with no image attachment or embed image. */
  noImagesInMessage(): string;
  /** Again after Discord no longer serves the original input images. */
  inputsExpired(): string;
}

/**
 * A command's or option's name and description in one language, for platforms that show them
 * translated (Discord's name_localizations). Names are lowercase, no spaces, at most 32 characters
 * (menu commands: any text up to 32 characters, no description).
 */
export interface CommandWords {
  readonly name: string;
  readonly description: string;
}

/**
 * Keyed by path: `edit`, `edit.prompt`, `quota-admin`, `quota-admin.grant`, `quota-admin.grant.amount`,
 * and `menu.edit` for the message menu command. English needs none: the specs are English.
 */
export type CommandTexts = Readonly<Record<string, CommandWords>>;
