import { BotError } from '../errors.ts';
import type { Answer } from './nanobananaapi-answers.ts';
import { cleanReason } from './provider-errors.ts';

/**
 * Envelope codes in words. The Generate page documents 200, 400, 401 and 500; 402 (insufficient
 * credits), 404, 422, 429, 455 (maintenance) and 505 (feature disabled) come from the sister platform
 * kie.ai, which shares the envelope (reference §3, [I]).
 */

function suffix(reason: string | undefined): string {
  return reason ? `: ${reason}` : '';
}

/** Key, credit and account answers: nothing in them is quoted, since the text may be about the key. */
function accountError(provider: string, code: number): BotError | undefined {
  if (code === 401 || code === 403) return new BotError('PROVIDER_UNAVAILABLE', `${provider} rejected the API key (code ${code})`);
  if (code === 402) return new BotError('PROVIDER_UNAVAILABLE', `${provider} account has insufficient credits (code 402)`);
  return undefined;
}

/** Rate limits, maintenance and server faults: the provider is down for now. */
function downError(provider: string, call: string, answer: Answer, secret: string): BotError | undefined {
  const { code } = answer;
  if (code !== 429 && code !== 455 && code < 500) return undefined;
  const what = code === 455 ? ' (maintenance)' : code === 505 ? ' (feature disabled)' : '';
  const reason = cleanReason(answer.msg, secret);
  return new BotError('PROVIDER_UNAVAILABLE', `${provider} ${call} answered code ${code}${what}${suffix(reason)}`);
}

/** A submit that did not answer code 200: nothing was created, so nothing was spent. */
export function submitError(provider: string, answer: Answer, secret: string): BotError {
  const { code } = answer;
  const known = accountError(provider, code) ?? downError(provider, 'submit', answer, secret);
  if (known) return known;
  // No such route: a wrong base URL, not the user's input; another provider may still run the job.
  if (code === 404) return new BotError('PROVIDER_UNAVAILABLE', `${provider} submit answered code 404: check the base URL`);
  const reason = cleanReason(answer.msg, secret);
  if (code === 400 || code === 422) {
    return new BotError('PROVIDER_REJECTED', `${provider} rejected the input (code ${code})${suffix(reason)}`, {
      ...(reason ? { userDetail: reason } : {}),
    });
  }
  if (code >= 400) return new BotError('PROVIDER_REJECTED', `${provider} rejected the input (code ${code})${suffix(reason)}`);
  return new BotError('PROVIDER_PROTOCOL', `${provider} submit answered unexpected code ${code}${suffix(reason)}`);
}

/** A record-info read (status or result) that did not answer code 200. */
export function recordInfoError(provider: string, call: 'status' | 'result', answer: Answer, secret: string): BotError {
  const { code } = answer;
  const known = accountError(provider, code) ?? downError(provider, call, answer, secret);
  if (known) return known;
  const reason = cleanReason(answer.msg, secret);
  // [I] kie.ai answers an unknown taskId with 422 "recordInfo is null"; 400 and 404 say the same.
  // Nothing more will come of such a task.
  if (code === 400 || code === 404 || code === 422) {
    return new BotError('PROVIDER_FAILED', `${provider} does not know the task (code ${code})${suffix(reason)}`);
  }
  return new BotError('PROVIDER_PROTOCOL', `${provider} ${call} answered unexpected code ${code}${suffix(reason)}`);
}
