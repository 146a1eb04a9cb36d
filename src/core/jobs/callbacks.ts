import { randomBytes } from 'node:crypto';
import type { CallbackRequest, Provider, PushTarget } from '../providers/provider.ts';
import { Wakeup } from './wakeup.ts';

/** The path prefix of callback routes on the bot's HTTP server. */
export const CALLBACK_PATH = '/callbacks/';

/** More request ids than one job ever has; bounds what a caller holding a token can make us keep. */
const MAX_WAKEUPS_PER_ROUTE = 16;

/** One job's callback route: the push target to give the provider and a wakeup per provider request. */
export interface CallbackRoute {
  readonly token: string;
  readonly push: PushTarget;
  /** The wakeup of one request id; made on first use, so a callback that beats the submit answer is kept. */
  wakeupFor(requestId: string): Wakeup;
  close(): void;
}

export type CallbackAnswer = { readonly status: 200 | 401 | 404; readonly reason?: string };

interface Entry {
  readonly provider: Provider;
  readonly wakeups: Map<string, Wakeup>;
}

/**
 * Per-job callback routes. The URL carries an unguessable token, so only the provider we gave it to
 * can reach the job; the provider's own check (fal's signature) is applied too. A callback only wakes
 * the job's poller: the result is always confirmed with the provider before it is trusted.
 */
export class CallbackRegistry {
  private readonly base: string;
  private readonly routes = new Map<string, Entry>();

  constructor(publicUrl: string) {
    this.base = publicUrl.replace(/\/+$/, '');
  }

  /**
   * A new route for one job. `token` reopens the route of a job resumed after a restart, so a callback
   * its provider still sends (to the URL it was given) finds the job again.
   */
  open(provider: Provider, token: string = randomBytes(24).toString('base64url')): CallbackRoute {
    const entry: Entry = { provider, wakeups: new Map() };
    this.routes.set(token, entry);
    return {
      token,
      push: { callbackUrl: `${this.base}${CALLBACK_PATH}${token}` },
      wakeupFor: (requestId) => wakeupOf(entry, requestId),
      close: () => void this.routes.delete(token),
    };
  }

  /** Handles one request to `/callbacks/<token>`. Never throws. */
  async receive(token: string, request: CallbackRequest): Promise<CallbackAnswer> {
    const entry = this.routes.get(token);
    if (!entry) return { status: 404, reason: 'no job waits on this callback' };
    if (!entry.provider.verifyCallback) return { status: 404, reason: `${entry.provider.name} takes no callbacks` };
    let verdict;
    try {
      verdict = await entry.provider.verifyCallback(request);
    } catch (error) {
      verdict = { ok: false as const, reason: error instanceof Error ? error.message : 'verification failed' };
    }
    if (!verdict.ok) return { status: 401, reason: verdict.reason };
    if (!entry.wakeups.has(verdict.requestId) && entry.wakeups.size >= MAX_WAKEUPS_PER_ROUTE) {
      return { status: 404, reason: 'unknown request id' };
    }
    wakeupOf(entry, verdict.requestId).wake();
    return { status: 200 };
  }

  get openRoutes(): number {
    return this.routes.size;
  }
}

function wakeupOf(entry: Entry, requestId: string): Wakeup {
  let wakeup = entry.wakeups.get(requestId);
  if (!wakeup) {
    wakeup = new Wakeup();
    entry.wakeups.set(requestId, wakeup);
  }
  return wakeup;
}
