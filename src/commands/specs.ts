import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB, OUTPUT_FORMATS } from '../core/providers/provider.ts';

/**
 * What each command is called and which options it takes, independent of any platform.
 * The Discord adapter turns these into application commands; Telegram lists them with setMyCommands
 * and in /help.
 */
export type OptionSpec =
  | { readonly kind: 'string'; readonly name: string; readonly description: string; readonly required: boolean; readonly maxLength?: number; readonly choices?: readonly string[] }
  | { readonly kind: 'integer'; readonly name: string; readonly description: string; readonly required: boolean; readonly min: number; readonly max: number }
  | { readonly kind: 'image'; readonly name: string; readonly description: string; readonly required: boolean }
  | { readonly kind: 'user'; readonly name: string; readonly description: string; readonly required: boolean };

export interface CommandSpec {
  readonly name: 'edit' | 'imagine' | 'quota' | 'help';
  readonly description: string;
  readonly options: readonly OptionSpec[];
}

/** Longest prompt we accept; Discord enforces it client-side, Telegram captions are checked by the command. */
export const MAX_PROMPT_LENGTH = 5000;
/** Input images per request (Discord: `image`, `image2`, `image3`, `image4`). */
export const MAX_INPUT_IMAGES = 4;
/**
 * The aspect_ratio choice that asks for no ratio, so the model keeps the input's shape (or picks one
 * for /imagine). Only a list of choices (Discord's) needs it as a value: typed options simply leave the
 * ratio out. The adapter turns it into "no ratio" before the command sees it, so the command never does.
 */
export const AUTO_ASPECT_RATIO = 'auto';

/** The result options /edit and /imagine share: how many, what shape, which file format. */
const RESULT_OPTIONS: readonly OptionSpec[] = [
  { kind: 'integer', name: 'count', description: 'How many results (uses that many from your quota)', required: false, min: 1, max: MAX_IMAGES_PER_JOB },
  {
    kind: 'string',
    name: 'aspect_ratio',
    description: 'Shape of the result (default: like the input)',
    required: false,
    choices: [AUTO_ASPECT_RATIO, ...ASPECT_RATIOS],
  },
  { kind: 'string', name: 'format', description: 'File format of the result', required: false, choices: OUTPUT_FORMATS },
];

export const EDIT_SPEC: CommandSpec = {
  name: 'edit',
  description: 'Edit images with Nano Banana',
  options: [
    { kind: 'string', name: 'prompt', description: 'What to change', required: true, maxLength: MAX_PROMPT_LENGTH },
    { kind: 'image', name: 'image', description: 'The image to edit', required: true },
    { kind: 'image', name: 'image2', description: 'A second input image', required: false },
    { kind: 'image', name: 'image3', description: 'A third input image', required: false },
    { kind: 'image', name: 'image4', description: 'A fourth input image', required: false },
    ...RESULT_OPTIONS,
  ],
};

export const IMAGINE_SPEC: CommandSpec = {
  name: 'imagine',
  description: 'Create images from a text prompt with Nano Banana',
  options: [
    { kind: 'string', name: 'prompt', description: 'What to create', required: true, maxLength: MAX_PROMPT_LENGTH },
    ...RESULT_OPTIONS.map((option) =>
      option.name === 'aspect_ratio' ? { ...option, description: 'Shape of the result (default: square)' } : option,
    ),
  ],
};

export const QUOTA_SPEC: CommandSpec = { name: 'quota', description: 'How many images you have left', options: [] };

export const HELP_SPEC: CommandSpec = { name: 'help', description: 'How to use this bot', options: [] };

export const COMMAND_SPECS: readonly CommandSpec[] = [EDIT_SPEC, IMAGINE_SPEC, QUOTA_SPEC, HELP_SPEC];
