import type { OptionTexts } from '../../core/i18n/sections.ts';
import { ASPECT_RATIOS, MAX_IMAGES_PER_JOB, type AspectRatio, type OutputFormat } from '../../core/providers/provider.ts';

/** Result options written into a Telegram caption or command, e.g. `/imagine a fox --n 2 --ar 16:9 --png`. */
export interface PromptOptions {
  readonly prompt: string;
  readonly count?: number | undefined;
  readonly aspectRatio?: AspectRatio | undefined;
  readonly outputFormat?: OutputFormat | undefined;
}

export type ParsedOptions = { readonly ok: true; readonly value: PromptOptions } | { readonly ok: false; readonly problem: string };

const FORMAT_FLAGS: Readonly<Record<string, OutputFormat>> = { png: 'png', jpeg: 'jpeg', jpg: 'jpeg', webp: 'webp' };

/**
 * Takes the `--flags` out of a prompt. Telegram has no typed command options, so these flags are how
 * a user picks the count, ratio and format; a flag we do not know is refused rather than sent to the
 * model as part of the prompt, so a typo never costs an image.
 */
export function parsePromptOptions(text: string, texts: OptionTexts): ParsedOptions {
  const refuse = (problem: string): ParsedOptions => ({ ok: false, problem: `${problem} ${texts.help(MAX_IMAGES_PER_JOB)}` });
  const words = text.split(/(\s+)/);
  const kept: string[] = [];
  let count: number | undefined;
  let aspectRatio: AspectRatio | undefined;
  let outputFormat: OutputFormat | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const flag = /^(?:--|—)([a-z]+)(?:=(.*))?$/i.exec(word);
    if (!flag) {
      kept.push(word);
      continue;
    }
    const name = flag[1]!.toLowerCase();
    if (FORMAT_FLAGS[name] && flag[2] === undefined) {
      outputFormat = FORMAT_FLAGS[name];
      continue;
    }
    // A value follows `=` or as the next word (words[i + 1] is the whitespace between).
    let value = flag[2];
    if (value === undefined) {
      value = words[i + 2];
      i += 2;
    }
    if (name === 'n' || name === 'count') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > MAX_IMAGES_PER_JOB) return refuse(texts.badCount(name, MAX_IMAGES_PER_JOB));
      count = n;
    } else if (name === 'ar' || name === 'aspect') {
      if (!value || !(ASPECT_RATIOS as readonly string[]).includes(value)) {
        return refuse(texts.badRatio(name, ASPECT_RATIOS));
      }
      aspectRatio = value as AspectRatio;
    } else if (name === 'format') {
      const format = value ? FORMAT_FLAGS[value.toLowerCase()] : undefined;
      if (!format) return refuse(texts.badFormat(name));
      outputFormat = format;
    } else {
      return refuse(texts.unknownOption(name));
    }
  }
  const prompt = kept.join('').replace(/\s{2,}/g, ' ').trim();
  return { ok: true, value: { prompt, count, aspectRatio, outputFormat } };
}
