import { expect } from 'vitest';
import { BotError } from '../../src/core/errors.ts';
import type { EditInput } from '../../src/core/providers/provider.ts';
import { pngImage } from './png.ts';

/** A valid normalised edit request: one small PNG, one result, PNG output. */
export function editInput(overrides: Partial<EditInput> = {}): EditInput {
  return { prompt: 'make it blue', images: [pngImage(8, 8, 1)], count: 1, outputFormat: 'png', ...overrides };
}

/** Awaits a promise that must reject with a BotError, and returns that error. */
export async function botErrorOf(promise: Promise<unknown>): Promise<BotError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BotError);
  return error as BotError;
}

/** An abort signal that never fires, for calls the test lets run to the end. */
export const never: AbortSignal = new AbortController().signal;
