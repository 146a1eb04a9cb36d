import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { request } from 'undici';
import { BotError } from '../errors.ts';
import { discardBody, transportCodeOf } from '../http/request.ts';
import { FalStatusAnswer, isTerminal, toProviderStatus } from './fal-status.ts';
import type { ProviderStatus } from './provider.ts';

/**
 * fal's status stream (reference §1.4): `GET …/requests/{id}/status/stream` answers server-sent
 * events, one `data:` line per status object, a comment every 15 s to keep the connection open, and
 * closes after COMPLETED. Any trouble ends the watch with PROVIDER_UNAVAILABLE: the core then polls.
 */

/** fal comments every 15 s; twice that without a byte means the connection is dead. */
export const FAL_STREAM_IDLE_MS = 30_000;
/** A status object is tiny; a longer unterminated event means something is wrong. */
const MAX_EVENT_BYTES = 256 * 1024;

export interface FalStreamRequest {
  readonly provider: string;
  /** The request's status URL (without `/stream`). */
  readonly statusUrl: string;
  readonly authorization: string;
  readonly secret: string;
  readonly signal: AbortSignal;
  /** Longest silence tolerated, headers included; default FAL_STREAM_IDLE_MS. */
  readonly idleMs?: number | undefined;
}

/** `…/status?logs=0` → `…/status/stream?logs=0`. */
export function streamUrlOf(statusUrl: string): string {
  const url = new URL(statusUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/stream`;
  url.searchParams.set('logs', '0');
  return url.toString();
}

function unavailable(provider: string, why: string, cause?: unknown): BotError {
  return new BotError('PROVIDER_UNAVAILABLE', `${provider} status stream ${why}`, cause === undefined ? {} : { cause });
}

/** Yields each status the stream reports and returns after a terminal one. */
export async function* watchFalStatus(req: FalStreamRequest): AsyncGenerator<ProviderStatus, void, undefined> {
  const { provider, signal } = req;
  const idleMs = req.idleMs ?? FAL_STREAM_IDLE_MS;
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(streamUrlOf(req.statusUrl), {
      method: 'GET',
      headers: { accept: 'text/event-stream', authorization: req.authorization },
      signal,
      headersTimeout: idleMs,
      // undici measures the time between body chunks: exactly the keep-alive gap we watch for.
      bodyTimeout: idleMs,
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    // Only the transport code: undici's own text could in theory quote a header.
    throw unavailable(provider, `failed: ${transportCodeOf(error)}`);
  }
  if (res.statusCode < 200 || res.statusCode > 299) {
    discardBody(res.body);
    // Nothing of the answer is quoted: a 401 is about the key, and the core only needs to fall back.
    throw unavailable(provider, `answered HTTP ${res.statusCode}`);
  }

  const events: EventSourceMessage[] = [];
  let broken: string | undefined;
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onError: (error) => {
      broken ??= error.type;
    },
    maxBufferSize: MAX_EVENT_BYTES,
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      // Comments (fal's keep-alive) reach no callback; they only reset undici's body timer.
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
      if (broken) throw new BotError('PROVIDER_PROTOCOL', `${provider} status stream is unreadable: ${broken}`);
      while (events.length > 0) {
        const status = readEvent(provider, events.shift()!, req.secret);
        if (status === undefined) continue;
        yield status;
        if (isTerminal(status)) return;
      }
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof BotError) throw error;
    const code = transportCodeOf(error);
    throw unavailable(provider, code === 'ETIMEDOUT' ? `was silent for ${idleMs} ms` : `broke: ${code}`);
  } finally {
    // Also runs when the consumer stops early: the connection must not linger.
    discardBody(res.body);
  }
  throw unavailable(provider, 'ended before COMPLETED');
}

/** One `data:` event as a status; undefined for an event without data. */
function readEvent(provider: string, event: EventSourceMessage, secret: string): ProviderStatus | undefined {
  if (event.data.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(event.data);
  } catch {
    throw new BotError('PROVIDER_PROTOCOL', `${provider} status stream sent an event that is not JSON`);
  }
  const parsed = FalStatusAnswer.safeParse(json);
  if (!parsed.success) throw new BotError('PROVIDER_PROTOCOL', `${provider} status stream sent an event without a status`);
  return toProviderStatus(parsed.data, secret);
}
