import { createHash, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { SignOptions } from './fake-fal-types.ts';

/**
 * fal's webhook signing as documented (reference §1.8): Ed25519 over
 * request_id \n user_id \n timestamp \n hex(sha256(body)), hex-encoded, keys published as a JWKS.
 */
export interface WebhookSigner {
  readonly userId: string;
  /** The JWKS document the fake serves. */
  jwks(): { keys: JsonWebKey[] };
  sign(body: string | Buffer, options: SignOptions): Record<string, string>;
  rotate(keepOld?: boolean): void;
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JsonWebKey;
}

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'EdDSA' } as JsonWebKey };
}

export function signFalWebhook(
  privateKey: KeyObject,
  body: string | Buffer,
  fields: { requestId: string; userId: string; timestamp: number },
): Record<string, string> {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const message = Buffer.from(`${fields.requestId}\n${fields.userId}\n${fields.timestamp}\n${bodyHash}`, 'utf8');
  return {
    'x-fal-webhook-request-id': fields.requestId,
    'x-fal-webhook-user-id': fields.userId,
    'x-fal-webhook-timestamp': String(fields.timestamp),
    'x-fal-webhook-signature': sign(null, message, privateKey).toString('hex'),
  };
}

export function createWebhookSigner(userId = 'fake-fal-user'): WebhookSigner {
  let published: SigningKey[] = [newKey()];
  const forger = newKey();
  return {
    userId,
    jwks: () => ({ keys: published.map((key) => key.publicJwk) }),
    sign(body, options) {
      const key = options.forged ? forger : published[published.length - 1]!;
      const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
      return signFalWebhook(key.privateKey, body, { requestId: options.requestId, userId, timestamp });
    },
    rotate(keepOld = false) {
      published = keepOld ? [...published, newKey()] : [newKey()];
    },
  };
}
