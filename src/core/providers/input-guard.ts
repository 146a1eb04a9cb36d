import { BotError } from '../errors.ts';
import type { EditInput, ProviderCapabilities } from './provider.ts';

/**
 * The submit-time guard every provider applies against its own declared capabilities, so a bad input
 * never costs money even if a caller skipped the core's planning. The count is left to each provider:
 * what a count it cannot make means differs (a refusal, or a bug in the caller's split).
 * Prompt length is counted in code points, as a person counts characters.
 */
export function inputProblem(input: EditInput, capabilities: ProviderCapabilities): string | null {
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '') return 'the prompt is empty';
  if ([...input.prompt].length > capabilities.maxPromptLength) {
    return `the prompt is longer than ${capabilities.maxPromptLength} characters`;
  }
  if (input.images.length === 0 && !capabilities.textToImage) return 'this provider only edits images: attach at least one image';
  if (input.images.length > capabilities.maxInputImages) return `too many images (at most ${capabilities.maxInputImages})`;
  if (input.aspectRatio !== undefined && !capabilities.aspectRatios.includes(input.aspectRatio)) {
    return `aspect ratio "${String(input.aspectRatio)}" is not supported (use one of ${capabilities.aspectRatios.join(', ')})`;
  }
  const formats = capabilities.outputFormats;
  if (formats.length > 0 && input.outputFormat !== undefined && !formats.includes(input.outputFormat)) {
    return `output format "${String(input.outputFormat)}" is not supported (use one of ${formats.join(', ')})`;
  }
  return null;
}

/** Throws PROVIDER_REJECTED (nothing sent, nothing spent) when there is a problem. */
export function rejectUnfit(provider: string, problem: string | null): void {
  if (problem) throw new BotError('PROVIDER_REJECTED', `${provider} cannot run the input: ${problem}`, { userDetail: problem });
}
