import { createServer, type AddressInfo } from 'node:net';
import { buildApp, type App, type AppOverrides } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import type { Commands } from '../../src/commands/commands.ts';
import { silentLogger, type Logger } from '../../src/core/log.ts';

export const TEST_FAL_KEY = 'fal-test-key-0123456789abcdef';

/**
 * The real application core, as main.ts builds it, on the memory store with fast polling and
 * retries, its fal provider pointed at a fake fal server (or, with `env`, any provider at its fake).
 */
export async function buildTestCore(options: {
  falUrl?: string;
  quotaLimit?: number;
  env?: Record<string, string>;
  overrides?: AppOverrides;
  /** Where the core logs; silent unless a test reads the log. */
  logger?: Logger;
}): Promise<{ commands: Commands; app: App; close(): Promise<void> }> {
  const parsed = parseConfig({
    TELEGRAM_BOT_TOKEN: '123456:test-token-abcdefghijklmnopqrstuvwxyz',
    ...(options.falUrl ? { FAL_KEY: TEST_FAL_KEY, FAL_QUEUE_URL: options.falUrl } : {}),
    STORE_URL: 'memory://',
    QUOTA_LIMIT: String(options.quotaLimit ?? 10),
    ...options.env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const app = await buildApp(parsed.config, options.logger ?? silentLogger, {
    poll: { initialMs: 10, maxMs: 50, factor: 1.5 },
    providerRetry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    // Tests fire several requests of one user at once; the abuse limits have tests of their own.
    maxJobsPerUser: 0,
    userCooldownMs: 0,
    ...options.overrides,
  });
  return { commands: app.commands, app, close: () => app.close() };
}

/** A port nobody listens on right now, for a server whose public URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
