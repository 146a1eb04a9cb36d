import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { requestJson } from '../http/request.ts';
import type { CallbackRequest, CallbackVerdict } from './provider.ts';

/**
 * fal webhook signatures (reference §1.8; the exact algorithm is [C-3p], agreed by several independent
 * implementations): Ed25519 over
 *   request_id + "\n" + user_id + "\n" + timestamp + "\n" + hex(sha256(raw body))
 * from the X-Fal-Webhook-* headers, valid when any key of fal's JWKS verifies it, and only within
 * 300 s of the signed timestamp so that a captured delivery cannot be replayed later.
 */

export const FAL_JWKS_URL = 'https://rest.alpha.fal.ai/.well-known/jwks.json';
const MAX_SKEW_S = 300;
/** fal says keys may be cached for up to 24 h. */
const KEYS_TTL_MS = 24 * 60 * 60 * 1000;
/** An unknown signature may mean a rotated key, or a forger: refetch, but at most this often. */
const REFETCH_INTERVAL_MS = 60 * 1000;
const JWKS_TIMEOUT_MS = 10_000;
const JWKS_MAX_BYTES = 256 * 1024;

export interface FalWebhookOptions {
  /** Default FAL_JWKS_URL. */
  readonly jwksUrl?: string | undefined;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: (() => number) | undefined;
}

const Jwks = z.object({ keys: z.array(z.unknown()) });
const WebhookBody = z.object({ request_id: z.string().min(1) });

/** Only Ed25519 public keys are of use; anything else in the set is skipped rather than trusted. */
function importKeys(keys: readonly unknown[]): KeyObject[] {
  const out: KeyObject[] = [];
  for (const jwk of keys) {
    const fields = jwk as { kty?: unknown; crv?: unknown; x?: unknown } | null;
    if (fields?.kty !== 'OKP' || fields.crv !== 'Ed25519' || typeof fields.x !== 'string') continue;
    try {
      out.push(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: fields.x }, format: 'jwk' }));
    } catch {
      // A malformed key verifies nothing.
    }
  }
  return out;
}

function header(request: CallbackRequest, name: string): string | undefined {
  const value = request.headers[name]?.trim();
  return value === '' ? undefined : value;
}

/** A `verifyCallback` for fal webhooks. It never throws; the verdict says why it refused. */
export function createFalWebhookVerifier(options: FalWebhookOptions = {}): (request: CallbackRequest) => Promise<CallbackVerdict> {
  const jwksUrl = options.jwksUrl ?? FAL_JWKS_URL;
  const now = options.now ?? Date.now;
  let cached: { keys: KeyObject[]; fetchedAt: number } | undefined;
  let lastAttemptAt: number | undefined;
  let inflight: Promise<void> | undefined;

  /** One JWKS fetch shared by concurrent callers; a failure keeps whatever keys we had. */
  const refresh = (): Promise<void> => {
    inflight ??= (async () => {
      lastAttemptAt = now();
      try {
        const res = await requestJson({
          method: 'GET',
          url: jwksUrl,
          signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
          timeoutMs: JWKS_TIMEOUT_MS,
          maxBytes: JWKS_MAX_BYTES,
        });
        const parsed = Jwks.safeParse(res.json);
        if (res.status === 200 && parsed.success) cached = { keys: importKeys(parsed.data.keys), fetchedAt: now() };
      } catch {
        // Unreachable JWKS: verification fails (or uses the keys we had) until the next allowed attempt.
      }
    })().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  const mayFetch = () => lastAttemptAt === undefined || now() - lastAttemptAt >= REFETCH_INTERVAL_MS;

  const currentKeys = async (): Promise<KeyObject[]> => {
    const fresh = cached !== undefined && now() - cached.fetchedAt < KEYS_TTL_MS;
    if (!fresh && mayFetch()) await refresh();
    return cached?.keys ?? [];
  };

  const verifies = (keys: readonly KeyObject[], message: Buffer, signature: Buffer) =>
    keys.some((key) => {
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    });

  return async (request) => {
    try {
      const requestId = header(request, 'x-fal-webhook-request-id');
      const userId = header(request, 'x-fal-webhook-user-id');
      const timestamp = header(request, 'x-fal-webhook-timestamp');
      const signatureHex = header(request, 'x-fal-webhook-signature');
      if (!requestId || !userId || !timestamp || !signatureHex) return { ok: false, reason: 'missing X-Fal-Webhook-* headers' };
      if (!/^\d+$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
      if (Math.abs(now() / 1000 - Number(timestamp)) > MAX_SKEW_S) return { ok: false, reason: 'timestamp too old or in the future' };
      if (!/^(?:[0-9a-f]{2})+$/i.test(signatureHex)) return { ok: false, reason: 'malformed signature' };

      const signature = Buffer.from(signatureHex, 'hex');
      const bodyHash = createHash('sha256').update(request.body).digest('hex');
      const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${bodyHash}`, 'utf8');

      let valid = verifies(await currentKeys(), message, signature);
      if (!valid && mayFetch()) {
        // Maybe fal rotated its keys since we cached them.
        await refresh();
        valid = verifies(cached?.keys ?? [], message, signature);
      }
      if (!valid) return { ok: false, reason: cached ? 'signature does not verify' : 'fal JWKS unavailable' };

      let json: unknown;
      try {
        json = JSON.parse(request.body.toString('utf8'));
      } catch {
        return { ok: false, reason: 'body is not JSON' };
      }
      const body = WebhookBody.safeParse(json);
      if (!body.success) return { ok: false, reason: 'body has no request_id' };
      if (body.data.request_id !== requestId) return { ok: false, reason: 'body request_id differs from the signed header' };
      return { ok: true, requestId };
    } catch {
      // Never throws by contract; nothing above should get here.
      return { ok: false, reason: 'verification failed' };
    }
  };
}
